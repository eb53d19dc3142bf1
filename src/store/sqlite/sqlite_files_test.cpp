// SQLite-specific tests: what is in the files and the WAL, older copies of the data file after an
// erasure, kill -9 during appends, and a full disk.
