// Copyright iotsec authors.
// UdpRelay, for tests: a link between one client and a UDP server on 127.0.0.1, on real
// sockets, that counts what passes and can lose a datagram.
#ifndef IOTSEC_NET_UDP_RELAY_TEST_UTIL_H_
#define IOTSEC_NET_UDP_RELAY_TEST_UTIL_H_

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <thread>

namespace iotsec::net::testing {

// UdpRelay forwards every datagram of a client (whoever sent to port() last) to the server on
// 127.0.0.1:|server_port| and every datagram of the server back, except that it loses the
// |drop_from_server|th datagram from the server (counted from 0; -1 loses none). It counts the
// octets of the distinct datagrams each way: for plain CoAP, exactly the messages on the wire,
// each once (a retransmission, RFC 7252 §4.2, repeats a message byte for byte).
class UdpRelay {
 public:
  explicit UdpRelay(int server_port, int drop_from_server = -1) : drop_(drop_from_server) {
    front_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    back_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(front_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    socklen_t len = sizeof(a);
    EXPECT_EQ(getsockname(front_, reinterpret_cast<sockaddr*>(&a), &len), 0);
    port_ = ntohs(a.sin_port);
    a.sin_port = htons(static_cast<uint16_t>(server_port));
    EXPECT_EQ(connect(back_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    thread_ = std::thread([this] { Run(); });
  }
  ~UdpRelay() {
    stop_ = true;
    thread_.join();
    close(front_);
    close(back_);
  }
  UdpRelay(const UdpRelay&) = delete;
  UdpRelay& operator=(const UdpRelay&) = delete;

  int port() const { return port_; }
  // up and down are the octets of the distinct datagrams to and from the server.
  uint64_t up() const { return up_.load(); }
  uint64_t down() const { return down_.load(); }
  // dropped is how many datagrams from the server were lost.
  int dropped() const { return dropped_.load(); }

 private:
  void Run() {
    uint8_t buf[2048];
    sockaddr_in client{};
    socklen_t client_len = 0;
    int from_server = 0;
    while (!stop_) {
      pollfd fds[2] = {{front_, POLLIN, 0}, {back_, POLLIN, 0}};
      if (poll(fds, 2, 20) <= 0) {
        continue;
      }
      if (fds[0].revents & POLLIN) {
        sockaddr_in from{};
        socklen_t from_len = sizeof(from);
        ssize_t n =
            recvfrom(front_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n >= 0) {
          client = from;
          client_len = from_len;
          if (seen_up_.emplace(reinterpret_cast<char*>(buf), static_cast<size_t>(n)).second) {
            up_ += static_cast<uint64_t>(n);
          }
          send(back_, buf, static_cast<size_t>(n), 0);
        }
      }
      if (fds[1].revents & POLLIN) {
        ssize_t n = recv(back_, buf, sizeof(buf), 0);
        if (n < 0 || client_len == 0) {
          continue;
        }
        if (from_server++ == drop_) {
          ++dropped_;
          continue;
        }
        if (seen_down_.emplace(reinterpret_cast<char*>(buf), static_cast<size_t>(n)).second) {
          down_ += static_cast<uint64_t>(n);
        }
        sendto(front_, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&client),
               client_len);
      }
    }
  }

  const int drop_;
  int front_ = -1;
  int back_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> up_{0};
  std::atomic<uint64_t> down_{0};
  std::atomic<int> dropped_{0};
  std::set<std::string> seen_up_;    // relay thread only
  std::set<std::string> seen_down_;  // relay thread only
  std::thread thread_;
};

}  // namespace iotsec::net::testing

#endif  // IOTSEC_NET_UDP_RELAY_TEST_UTIL_H_
