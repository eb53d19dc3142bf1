#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz targets (src/<component>/fuzz/corpus/<target>/seed-*).

Seeds are valid and nearly valid inputs of each parser, so that the fuzzer starts deep inside it.
Inputs that once crashed a target are kept beside them as regress-* files and never rewritten here.
Run from anywhere: tests/fuzz/make_seeds.py (it replaces every seed-* file it writes).
"""
import json
import os
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]


def corpus(component, target):
    d = ROOT / "src" / component / "fuzz" / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("seed-*"):
        old.unlink()
    return d


def write(d, name, data):
    if isinstance(data, str):
        data = data.encode()
    (d / f"seed-{name}").write_bytes(data)


def crlf(text):
    return text.replace("\n", "\r\n").encode()


# ---- net: http (bytes of one connection) ----
d = corpus("net", "http")
body = json.dumps({"type": "message", "text": "hi", "n": [1, 2, {"x": None}]})
write(d, "get-health", crlf("GET /health HTTP/1.1\nHost: 127.0.0.1\n\n"))
write(d, "get-http10", crlf("GET /health HTTP/1.0\n\n"))
write(d, "post-json", crlf(f"POST /json/42?a=1&b=%20x HTTP/1.1\nHost: h\nContent-Type: application/json\n"
                           f"Content-Length: {len(body)}\nAuthorization: Bearer abc.def.ghi\n\n{body}"))
write(d, "post-json-chunked", crlf("POST /json/7 HTTP/1.1\nHost: h\nContent-Type: application/json; charset=utf-8\n"
                                   "Transfer-Encoding: chunked\n\n5\n{\"a\":\n3\n 1}\n0\nX-Trailer: y\n\n"))
write(d, "post-json-duplicate", crlf("POST /json/1 HTTP/1.1\nHost: h\nContent-Type: application/json\n"
                                     "Content-Length: 15\n\n{\"a\":1,\"a\":2}  "))
write(d, "post-json-deep", crlf("POST /json/1 HTTP/1.1\nHost: h\nContent-Type: application/json\n"
                                "Content-Length: 20\n\n[[[[[[[[[[]]]]]]]]]]"))
write(d, "post-wrong-type", crlf("POST /json/1 HTTP/1.1\nHost: h\nContent-Type: text/plain\nContent-Length: 2\n\n{}"))
write(d, "pipelined", crlf("GET /health HTTP/1.1\nHost: h\n\nGET /items/1/parts/2?q=a+b&q=%41 HTTP/1.1\nHost: h\n"
                           "Connection: close\n\n"))
write(d, "preflight", crlf("OPTIONS /json/1 HTTP/1.1\nHost: h\nOrigin: https://app.example\n"
                           "Access-Control-Request-Method: POST\nAccess-Control-Request-Headers: content-type\n\n"))
write(d, "cors-refused", crlf("POST /json/1 HTTP/1.1\nHost: h\nOrigin: https://evil.example\n"
                              "Content-Type: application/json\nContent-Length: 2\n\n{}"))
write(d, "expect-continue", crlf("PUT /items/9 HTTP/1.1\nHost: h\nExpect: 100-continue\nContent-Length: 4\n\nabcd"))
write(d, "delete", crlf("DELETE /items/9 HTTP/1.1\nHost: h\n\n"))
write(d, "absolute-form", crlf("GET http://h/items/1/parts/%2F?x HTTP/1.1\nHost: h\n\n"))
write(d, "asterisk", crlf("OPTIONS * HTTP/1.1\nHost: h\n\n"))
write(d, "static", crlf("GET /static/sub/app.js HTTP/1.1\nHost: h\n\nGET /static/ HTTP/1.1\nHost: h\n\n"))
write(d, "static-traversal", crlf("GET /static/../secret.txt HTTP/1.1\nHost: h\n\n"
                                  "GET /static/%2e%2e/secret.txt HTTP/1.1\nHost: h\n\n"
                                  "GET /static/sub/..%2f..%2fsecret.txt HTTP/1.1\nHost: h\n\n"))
write(d, "upgrade", crlf("GET /ws HTTP/1.1\nHost: h\nUpgrade: websocket\nConnection: Upgrade\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n\n"))
write(d, "upgrade-plain-get", crlf("GET /ws HTTP/1.1\nHost: h\n\n"))
write(d, "smuggle-cl-te", crlf("POST /json/1 HTTP/1.1\nHost: h\nContent-Type: application/json\nContent-Length: 4\n"
                               "Transfer-Encoding: chunked\n\n0\n\n"))
write(d, "smuggle-two-cl", crlf("PUT /items/1 HTTP/1.1\nHost: h\nContent-Length: 1\nContent-Length: 2\n\nab"))
write(d, "obs-fold", crlf("GET /health HTTP/1.1\nHost: h\nX-A: a\n b\n\n"))
write(d, "bad-method", crlf("BREW /health HTTP/1.1\nHost: h\n\n"))
write(d, "big-header", crlf("GET /health HTTP/1.1\nHost: h\nX-Big: " + "a" * 2100 + "\n\n"))
write(d, "big-body", crlf("PUT /items/1 HTTP/1.1\nHost: h\nContent-Length: 9000\n\n") + b"x" * 100)
write(d, "bad-percent", crlf("GET /items/%zz/parts/%00 HTTP/1.1\nHost: h\n\n"))

# ---- net: websocket (byte 0 even: raw; odd: [flags][len][payload]...) ----
d = corpus("net", "websocket")


def frame(op, payload, fin=True, mask=b"\x11\x22\x33\x44"):
    head = bytes([(0x80 if fin else 0) | op])
    n = len(payload)
    if n <= 125:
        head += bytes([0x80 | n])
    else:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def structured(*frames):
    out = b"\x01"
    for flags, payload in frames:
        out += bytes([flags, len(payload)]) + payload
    return out


write(d, "raw-text", b"\x00" + frame(1, b"hello"))
write(d, "raw-close", b"\x00" + frame(1, b"close") + frame(8, b"\x03\xe8bye"))
write(d, "raw-ping", b"\x00" + frame(9, b"p") + frame(1, b"after ping"))
write(d, "raw-binary", b"\x00" + frame(2, b"\x00\x01"))
write(d, "raw-unmasked", b"\x00\x81\x02hi")
write(d, "raw-fragments", b"\x00" + frame(1, b"frag", fin=False) + frame(0, b"ment"))
write(d, "raw-bad-utf8", b"\x00" + frame(1, b"\xc3\x28"))
write(d, "raw-long", b"\x00" + frame(1, b"abc" * 120))
write(d, "structured-text", structured((0x81, b"hello"), (0x81, b"abc")))
write(d, "structured-fragments", structured((0x01, b"fr"), (0x00, b"ag"), (0x89, b"ping"), (0x80, b"ment")))
write(d, "structured-close", structured((0x81, b"x"), (0x88, b"\x03\xe8")))
write(d, "structured-too-big", structured((0x81, b"a" * 125), (0xff, b"b" * 130)))

# ---- core: json ----
d = corpus("core", "json")
for i, doc in enumerate([
        '{"type":"message","text":"hi","from":{"id":"dl_x"},"channelData":{"clientActivityID":"c1"}}',
        '[1,-0,0.5,1e10,-1.5E-300,12345678901234567890,"\\u00e9\\ud83d\\ude00",true,false,null]',
        '{"a":{"b":{"c":{"d":[[[[]]]]}}}}',
        '{"a":1,"a":2}',
        '"just a string"', '  42  ', '{}', '[]',
        '{"k":"\\"\\\\\\/\\b\\f\\n\\r\\t"}',
        '{"a":1}{"b":2}', '[1,]', '{"a":1,}', '// comment\n{}', '1e400',
]):
    write(d, f"doc-{i}", doc)

# ---- guard: byte 0 = mode (bit 0 expects a secret, bit 1 a login waits for a code) ----
d = corpus("guard", "guard")
for i, (mode, text) in enumerate([
        (0, "my card is 4111 1111 1111 1111, please block it"),
        (0, "4111\u00a01111\u00a01111\u00a01111 and 5500-0055-5555-5559"),
        (0, "card4111111111111111 glued"),
        (0, "password: correct horse battery staple\nthanks"),
        (0, "my password is not working, my pw hunter2"),
        (0, "my PIN is 4821, cvv 123, PIN-Nummer: 1234"),
        (0, "IBAN: DE89 3704 0044 0532 0130 00 and GB82 WEST 1234 5698 7654 32"),
        (0, "Transfer 1,250.00 EUR on 2024-03-15, reference BX-2024-000123"),
        (0, "Geheimzahl 8642, Pr\u00fcfnummer 123, mot de passe : soleil"),
        (2, "492 816"), (2, "my code is 492816"), (1, "anything at all"),
        (0, "4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4"),
]):
    write(d, f"text-{i}", bytes([mode]) + text.encode())

# ---- channel: activity (byte 0 = guard mode, then JSON) ----
d = corpus("channel", "activity")
activities = [
    {"type": "message", "text": "hello", "from": {"id": "x", "name": "Anna"}, "locale": "en-US",
     "channelData": {"clientActivityID": "c-1"}},
    {"type": "message", "value": {"action": "login"}, "channelData": {"postBack": True, "clientActivityID": "c-2"}},
    {"type": "message", "text": "", "value": {"cardNumber": "4111111111111111", "note": "pin 1234"},
     "channelData": {"messageBack": {"displayText": "password: x"}}},
    {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                         "content": {"type": "AdaptiveCard", "body": [{"type": "TextBlock",
                                                                                      "text": "IBAN DE89370400440532013000"}]}}]},
    {"type": "event", "name": "webchat/join", "value": {"language": "en"}},
    {"type": "event", "name": "tokens/response", "value": {"token": "x"}},
    {"type": "invoke", "name": "signin/verifyState", "value": {"state": "1"}},
    {"type": "invoke", "name": "adaptiveCard/action", "value": {"action": {"data": {"cvv": "cvv 123"}}}},
    {"type": "typing"}, {"type": "endOfConversation", "code": "userCancelled"},
    {"type": "messageReaction", "reactionsAdded": [{"type": "like"}]},
    {"type": "message", "text": "492816", "from": {"role": "bot"}},
    {"type": "conversationUpdate"},
    {"type": "message", "text": "x", "attachments": "not an array"},
    {"type": "message", "text": "hi", "entities": [{"type": "ClientCapabilities", "requiresBotState": True}],
     "deliveryMode": "expectReplies", "id": "mine", "timestamp": "2020-01-01T00:00:00Z"},
]
for i, a in enumerate(activities):
    write(d, f"activity-{i}", bytes([i % 4]) + json.dumps(a).encode())

# ---- channel: multipart (first line = Content-Type, then the body) ----
d = corpus("channel", "multipart")
b = "----parleyboundary7MA4YWxk"
act = json.dumps({"type": "message", "text": "a file", "from": {"id": "dl_x"}})
write(d, "activity-and-file", f"multipart/form-data; boundary={b}\n"
      f"--{b}\r\nContent-Disposition: form-data; name=\"activity\"\r\n"
      f"Content-Type: application/vnd.microsoft.activity\r\n\r\n{act}\r\n"
      f"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
      f"\x89PNG\r\n\x1a\n\r\n--{b}--\r\n")
write(d, "quoted-boundary", 'multipart/form-data; boundary="a;b c"\n--a;b c\r\n'
      'Content-Disposition: form-data; name="file"; filename="x\\"y.txt"\r\n\r\ntext\r\n--a;b c--')
write(d, "no-closing", f"multipart/form-data; boundary={b}\n--{b}\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx")
write(d, "preamble-epilogue", f"multipart/form-data; boundary={b}\npreamble\r\n--{b}\r\n"
      f"Content-Disposition: form-data; name=\"file\"\r\n\r\n\r\n--{b}--\r\nepilogue")
write(d, "not-multipart", "image/png\n\x89PNG")

# ---- channel: directline (byte 0 = route, then the body) ----
d = corpus("channel", "directline")
routes = {
    0: [{"user": {"id": "dl_abc", "name": "Anna"}, "trustedOrigins": ["https://www.bankx.example"]},
        {"User": {"Id": "dl_x"}}, {"user": {"id": "not-dl"}}, None],
    1: [{"user": {"id": "dl_y"}, "locale": "de-DE"}, {}],
    2: activities[:4] + [{"type": "event", "name": "x", "value": {"p": "password: hunter2"}}],
    6: [{"type": "message", "text": "reply", "channelData": {"parley": {"expectsSecret": True}}},
        {"type": "typing", "channelData": {"parley": {"awaitsCode": True}}},
        {"type": "message", "text": "x", "attachments": [{"contentType": "text/plain", "content": "y"}]}],
    8: [{"activities": [{"type": "message", "text": "a"}, {"type": "message", "text": "b"}]}],
    9: [{"type": "message", "text": "updated"}],
    10: [{"type": "image/png", "name": "a.png", "originalBase64": "iVBORw0KGgo="}, {"type": "text/plain", "originalBase64": "!!"}],
}
for route, bodies in routes.items():
    for i, body in enumerate(bodies):
        write(d, f"route{route}-{i}", bytes([route]) + (json.dumps(body).encode() if body is not None else b""))
write(d, "route3-upload", bytes([3]) + (f"multipart/form-data; boundary={b}\n--{b}\r\nContent-Disposition: form-data; "
                                        f"name=\"activity\"\r\nContent-Type: application/vnd.microsoft.activity\r\n\r\n"
                                        f"{act}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; "
                                        f"filename=\"n.txt\"\r\nContent-Type: text/plain\r\n\r\nnote\r\n--{b}--\r\n").encode())
write(d, "route3-raw", bytes([3]) + b"text/plain\nraw file content")
for i, wm in enumerate(["", "-", "null", "3", "18446744073709551615", "99999999999999999999", "-1", "1x"]):
    write(d, f"route4-{i}", bytes([4]) + wm.encode())
    write(d, f"route5-{i}", bytes([5]) + wm.encode())
write(d, "route7-reply", bytes([7]) + b"c|0000002\n" + json.dumps({"type": "message", "text": "r"}).encode())
write(d, "route11-inprocess", bytes([11]) + b"\n" + json.dumps(routes[6][0]).encode())
write(d, "route12-token", bytes([12]) + b"grant_type=client_credentials&client_id=app-bankx&client_secret="
      b"fuzz-app-password-0123456789-abcdefghij&scope=https%3A%2F%2Fx%2F.default")
write(d, "route13-refresh", bytes([13]))

# ---- login: login_api (byte 0 = call, byte 1 = status index, then the body) ----
d = corpus("login", "login_api")
statuses = [200, 200, 200, 204, 400, 401, 403, 404, 429, 500, 503, 302, 0, 999]
def st(code):
    return statuses.index(code)
answers = [
    (0, 200, {"pollingToken": "ptk_abc", "interval": 5, "expiresIn": 180, "otpSentTo": "+44***123", "otpLength": 6}),
    (0, 200, {"pollingToken": "bad token", "interval": 0, "expiresIn": 1}),
    (1, 200, {"status": "pending", "interval": 7}), (1, 200, {"status": "slow_down"}),
    (1, 200, {"status": "approved", "accessToken": "bxa_abc.def", "expiresIn": 900, "tokenType": "Bearer"}),
    (1, 200, {"status": "denied"}), (1, 200, {"status": "expired"}), (1, 200, {"status": "unknown"}),
    (2, 400, {"error": {"code": "invalid_otp", "message": "x", "attemptsLeft": 2}}),
    (2, 400, {"error": {"code": "otp_not_expected"}}),
    (2, 200, {"status": "approved", "accessToken": "bxa_t", "expiresIn": 60}),
    (3, 204, None), (3, 401, {"error": "x"}), (0, 500, None),
]
for i, (op, code, body) in enumerate(answers):
    write(d, f"answer-{i}", bytes([op, st(code)]) + (json.dumps(body).encode() if body is not None else b""))
write(d, "rate-limited", bytes([0, st(429)]) + b"120\n{}")
write(d, "rate-limited-huge", bytes([1, st(429)]) + b"99999999999999999999999\n")

# ---- assistant: definitions ----
d = corpus("assistant", "assistant")
for name in ["bankx", "echo"]:
    write(d, name, (ROOT / "examples" / name / "assistant.toml").read_bytes())
write(d, "minimal", '[assistant]\nname = "Test"\n\n[[intents]]\nid = "hours"\nexamples = ["opening hours"]\n'
                    'say = "We open at nine."\n')

# ---- bot: bot_activity (a Connector activity as /api/messages receives it) ----
d = corpus("bot", "bot_activity")
base = {"channelId": "directline", "serviceUrl": "https://channel.example/", "conversation": {"id": "c1"},
        "from": {"id": "dl_u", "name": "Anna", "role": "user"}, "recipient": {"id": "bot", "role": "bot"},
        "id": "c1|0000002", "timestamp": "2026-01-01T10:00:00.000Z", "localTimestamp": "2026-01-01T11:00:00+01:00"}
for i, extra in enumerate([
        {"type": "message", "text": "what is my balance", "locale": "en-GB"},
        {"type": "message", "value": {"intent": "login"}},
        {"type": "conversationUpdate", "membersAdded": [{"id": "bot"}, {"id": "dl_u"}]},
        {"type": "event", "name": "webchat/join", "value": {}},
        {"type": "endOfConversation"}, {"type": "typing"},
        {"type": "message", "text": 5}, {"type": "message", "localTimestamp": "2026-01-01T11:00:00-05:30"},
]):
    write(d, f"activity-{i}", json.dumps({**base, **extra}))

# ---- app: config (leading "@NAME=VALUE" lines are the environment) ----
d = corpus("app", "config")
write(d, "serve-ops", '[log]\nlevel = "info"\n[net]\nthreads = 2\nheader_timeout = "5s"\n'
                      '[[net.listeners]]\nname = "ops"\naddress = "127.0.0.1"\nport = 0\n')
write(d, "channel", '[net]\nthreads = 2\n[[net.listeners]]\nname = "channel"\naddress = "127.0.0.1"\nport = 0\n'
                    '[crypto]\nroot_key_env = "PARLEY_FUZZ_SECRET"\n[store.sqlite]\npath = "parley.db"\n'
                    '[jose]\nkey_file = "keys.json"\n[channel]\nbot_timeout = "15s"\npublic_url = "https://chat.example"\n'
                    '[[channel.bots]]\nid = "b"\ntenant = "t"\napp_id = "a"\n'
                    'secret_hashes = ["$scrypt$ln=14,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"]\n'
                    'endpoint = "https://bot.example/api/messages"\norigins = ["https://www.bank.example"]\n'
                    'token_lifetime = "30m"\n')
write(d, "env-overrides", '@PARLEY_NET__THREADS=4\n@PARLEY_LOG__LEVEL="debug"\n[net]\n[[net.listeners]]\nname = "ops"\nport = 0\n')
write(d, "bad", '[net]\nthreads = "two"\n[[net.listeners]]\nname = "chanel"\naddress = "0.0.0.0"\n[unknown]\nx = 1\n')
write(d, "login", '[login]\nidle_timeout = "15m"\n[[login.tenants]]\ntenant = "bankx"\nbase_url = "https://bank.example/api/v1"\n'
                  'client_id = "parley"\nclient_secret = { env = "PARLEY_FUZZ_SECRET" }\nmethods = ["push", "otp_sms"]\n')
write(d, "bot", '[[net.listeners]]\nname = "bot"\nport = 0\n[bot]\nchannel_url = "http://127.0.0.1:1/v3/directline"\n'
                'channel_secret = { env = "PARLEY_FUZZ_SECRET" }\nassistant = "assistant.toml"\n')
write(d, "syntax-error", '[net\nthreads = 2\n')
print("seeds written")
