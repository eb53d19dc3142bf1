// Private: a stream layer under the server's WebSocket stream that makes Beast refuse close codes
// RFC 6455 §7.4 does not allow. Beast 1.81 echoes any code from 3000 up, 5000-65535 included
// (Autobahn 7.9.x): the peer must instead be answered with 1002. This layer watches the client's
// frames as they are read and, in a close frame whose code is 5000 or more, rewrites the code to
// one Beast refuses (0), so that Beast fails the connection with 1002 itself. Nothing else is
// touched; the cost is a few comparisons per frame header read.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/async_base.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

namespace parley::net::detail {

/// Parses client-to-server WebSocket frame headers as bytes pass by (pure; unit-testable).
class close_code_filter {
 public:
  /// Processes `data[0, n)` in place. Returns how many bytes may be delivered now: n, or n - 1 when
  /// the last byte is the first of a close code whose second byte has not arrived (it is then
  /// kept, and deliver_held() gives it back before the next bytes).
  std::size_t process(unsigned char* data, std::size_t n) noexcept {
    std::size_t i = 0;
    while (i < n) {
      if (in_header_) {
        header_[got_++] = data[i++];
        if (got_ == 2) need_ = 2 + ext_size(header_[1] & 0x7f) + ((header_[1] & 0x80) ? 4 : 0);
        if (got_ >= 2 && got_ == need_) start_payload();
        continue;
      }
      if (close_ && offset_ == 0 && remaining_ >= 2) {
        if (i + 1 == n) {  // the code's second byte is in the next read: hold the first back
          held_ = true;
          return n - 1;
        }
        const auto hi = static_cast<unsigned>(data[i] ^ mask_[0]);
        const auto lo = static_cast<unsigned>(data[i + 1] ^ mask_[1]);
        if (((hi << 8) | lo) >= 5000) {
          data[i] = mask_[0];      // code high byte 0 ...
          data[i + 1] = mask_[1];  // ... and low byte 0: code 0, which Beast refuses with 1002
        }
      }
      const std::size_t take = remaining_ < n - i ? static_cast<std::size_t>(remaining_) : n - i;
      i += take;
      offset_ += take;
      remaining_ -= take;
      if (remaining_ == 0) reset_header();
    }
    return n;
  }

  /// The held byte, if any (to place before the next read's bytes); clears it.
  bool take_held(unsigned char& out) noexcept {
    if (!held_) return false;
    held_ = false;
    out = held_byte_;
    return true;
  }
  /// Remembers the byte process() held back (the caller keeps it out of the delivered range).
  void hold(unsigned char b) noexcept { held_byte_ = b; }

 private:
  static std::size_t ext_size(unsigned len7) noexcept { return len7 == 126 ? 2 : len7 == 127 ? 8 : 0; }

  void start_payload() noexcept {
    const unsigned len7 = header_[1] & 0x7f;
    std::uint64_t len = len7;
    std::size_t p = 2;
    if (len7 == 126) {
      len = (std::uint64_t{header_[2]} << 8) | header_[3];
      p = 4;
    } else if (len7 == 127) {
      len = 0;
      for (std::size_t k = 2; k < 10; ++k) len = (len << 8) | header_[k];
      p = 10;
    }
    if (header_[1] & 0x80) {
      std::memcpy(mask_.data(), header_.data() + p, 4);
    } else {
      mask_ = {0, 0, 0, 0};  // Beast refuses unmasked client frames anyway
    }
    close_ = (header_[0] & 0x0f) == 0x8;
    remaining_ = len;
    offset_ = 0;
    in_header_ = false;
    if (remaining_ == 0) reset_header();
  }

  void reset_header() noexcept {
    in_header_ = true;
    got_ = 0;
    need_ = 2;
    close_ = false;
  }

  std::array<unsigned char, 14> header_{};
  std::size_t got_ = 0;
  std::size_t need_ = 2;
  bool in_header_ = true;
  bool close_ = false;
  std::array<unsigned char, 4> mask_{};
  std::uint64_t remaining_ = 0;
  std::uint64_t offset_ = 0;
  bool held_ = false;
  unsigned char held_byte_ = 0;
};

/// The stream layer: reads through the filter, writes straight through.
template <class NextLayer>
class close_code_guard {
 public:
  using next_layer_type = NextLayer;
  using executor_type = typename NextLayer::executor_type;

  explicit close_code_guard(NextLayer&& next) : next_(std::move(next)) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  NextLayer& next_layer() noexcept { return next_; }
  const NextLayer& next_layer() const noexcept { return next_; }

  template <class ConstBufferSequence, class WriteHandler>
  auto async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    return next_.async_write_some(buffers, std::forward<WriteHandler>(handler));
  }

  template <class MutableBufferSequence, class ReadHandler>
  auto async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    // Beast's websocket stream reads into one buffer; only the first of a sequence is used.
    const boost::asio::mutable_buffer first = *boost::asio::buffer_sequence_begin(buffers);
    return boost::asio::async_initiate<ReadHandler, void(boost::beast::error_code, std::size_t)>(
        [this, first](auto&& h) {
          using handler_type = std::decay_t<decltype(h)>;
          read_op<handler_type>(std::forward<decltype(h)>(h), *this, first);
        },
        handler);
  }

 private:
  template <class Handler>
  class read_op : public boost::beast::async_base<Handler, executor_type> {
   public:
    read_op(Handler&& h, close_code_guard& g, boost::asio::mutable_buffer b)
        : boost::beast::async_base<Handler, executor_type>(std::move(h), g.get_executor()), g_(g), b_(b) {
      auto* p = static_cast<unsigned char*>(b_.data());
      if (b_.size() > 0 && g_.filter_.take_held(*p)) {
        prefix_ = 1;  // the held byte goes first; the rest of the buffer is read into
        g_.next_.async_read_some(boost::asio::mutable_buffer(p + 1, b_.size() - 1), std::move(*this));
      } else {
        g_.next_.async_read_some(b_, std::move(*this));
      }
    }
    void operator()(boost::beast::error_code ec, std::size_t n) {
      n += prefix_;
      if (n > 0) {
        auto* p = static_cast<unsigned char*>(b_.data());
        const std::size_t deliver = g_.filter_.process(p, n);
        if (deliver < n) g_.filter_.hold(p[deliver]);
        n = deliver;
      }
      this->complete_now(ec, n);
    }

   private:
    close_code_guard& g_;
    boost::asio::mutable_buffer b_;
    std::size_t prefix_ = 0;
  };

  NextLayer next_;
  close_code_filter filter_;

  template <class Handler>
  friend void async_teardown(boost::beast::role_type role, close_code_guard& g, Handler&& handler) {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, g.next_, std::forward<Handler>(handler));
  }
};

}  // namespace parley::net::detail
