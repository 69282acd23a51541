// Copyright iotsec authors.
// CoAP server and client over real sockets on 127.0.0.1.
#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "iotsec/net/coap.h"
#include "udp_relay_test_util.h"

namespace iotsec::net {
namespace {

using testing::UdpRelay;

// Starts a server with an "echo" handler that counts its calls.
std::unique_ptr<CoapServer> StartEcho(std::atomic<int>& calls, CoapServerOptions o = {}) {
  auto server = CoapServer::Start(
      std::move(o), {{"echo", [&calls](ByteSpan p) {
                        ++calls;
                        return CoapResponse{CoapCode(2, 5), ToBytes(p)};
                      }}});
  EXPECT_TRUE(server.has_value()) << server.error().ToString();
  return server.has_value() ? std::move(*server) : nullptr;
}

// FreePort returns a UDP port on 127.0.0.1 that a server just released (0 if none could be
// had): nothing listens there.
int FreePort() {
  std::atomic<int> calls{0};
  auto probe = StartEcho(calls);
  return probe ? probe->port() : 0;
}

std::unique_ptr<CoapClient> ConnectTo(const CoapServer& server, CoapClientOptions o = {}) {
  auto client = CoapClient::Connect("127.0.0.1", server.port(), std::move(o));
  EXPECT_TRUE(client.has_value()) << client.error().ToString();
  return client.has_value() ? std::move(*client) : nullptr;
}

Bytes Key(uint8_t seed) {
  Bytes k(16);
  for (size_t i = 0; i < k.size(); ++i) {
    k[i] = static_cast<uint8_t>(seed + i * 7);
  }
  return k;
}

CoapServerOptions PskServerOptions() {
  CoapServerOptions o;
  o.psk_for = [](std::string_view identity) {
    return identity == "device-1" ? Key(1) : Bytes{};
  };
  return o;
}

TEST(CoapTest, EchoOverPlainCoap) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls);
  ASSERT_TRUE(server);
  EXPECT_GT(server->port(), 0);
  auto client = ConnectTo(*server);
  ASSERT_TRUE(client);
  auto r = client->Post("echo", AsBytes("hello coap"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->code, CoapCode(2, 5));
  EXPECT_EQ(r->payload, ToBytes(AsBytes("hello coap")));
  auto empty = client->Post("echo", {});
  ASSERT_TRUE(empty.has_value()) << empty.error().ToString();
  EXPECT_EQ(empty->code, CoapCode(2, 5));
  EXPECT_TRUE(empty->payload.empty());
  EXPECT_EQ(calls.load(), 2);
}

TEST(CoapTest, MultiSegmentPathAndHandlerCodes) {
  auto server = CoapServer::Start(
      {}, {{"onboard/hello", [](ByteSpan) { return CoapResponse{CoapCode(2, 4), {1, 2}}; }},
           {"bad/code", [](ByteSpan) { return CoapResponse{CoapCode(0, 1), {}}; }},
           {"throws", [](ByteSpan) -> CoapResponse { throw std::runtime_error("boom"); }}});
  ASSERT_TRUE(server.has_value()) << server.error().ToString();
  auto client = ConnectTo(**server);
  ASSERT_TRUE(client);
  auto r = client->Post("onboard/hello", AsBytes("x"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->code, CoapCode(2, 4));
  EXPECT_EQ(r->payload, (Bytes{1, 2}));
  // Only "onboard/hello" is registered, not its parent.
  auto parent = client->Post("onboard", AsBytes("x"));
  ASSERT_TRUE(parent.has_value()) << parent.error().ToString();
  EXPECT_EQ(parent->code, CoapCode(4, 4));
  // A handler returning a non-response code, or throwing, yields 5.00.
  auto bad = client->Post("bad/code", AsBytes("x"));
  ASSERT_TRUE(bad.has_value()) << bad.error().ToString();
  EXPECT_EQ(bad->code, CoapCode(5, 0));
  auto thrown = client->Post("throws", AsBytes("x"));
  ASSERT_TRUE(thrown.has_value()) << thrown.error().ToString();
  EXPECT_EQ(thrown->code, CoapCode(5, 0));
}

TEST(CoapTest, UnknownPathIsNotFound) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls);
  ASSERT_TRUE(server);
  auto client = ConnectTo(*server);
  ASSERT_TRUE(client);
  auto r = client->Post("nope", AsBytes("x"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->code, CoapCode(4, 4));
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(server->requests(), 0u);
}

TEST(CoapTest, OversizeIsRequestEntityTooLarge) {
  std::atomic<int> calls{0};
  CoapServerOptions o;
  o.max_payload = 1024;
  auto server = StartEcho(calls, o);
  ASSERT_TRUE(server);
  auto client = ConnectTo(*server);
  ASSERT_TRUE(client);
  Bytes big(1025, 0xab);
  auto r = client->Post("echo", big);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->code, CoapCode(4, 13));
  EXPECT_EQ(calls.load(), 0);
  Bytes limit(1024, 0xcd);
  auto ok = client->Post("echo", limit);
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(ok->code, CoapCode(2, 5));
  EXPECT_EQ(ok->payload, limit);
  EXPECT_EQ(calls.load(), 1);
  // A payload that cannot fit one datagram-sized message is refused by the client.
  Bytes huge(4000, 1);
  auto refused = client->Post("echo", huge);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
}

// EchoFromManyClients runs |clients| clients in as many threads against |server|, each posting
// |requests| distinct echo requests, and checks every answer; returns how many were right.
int EchoFromManyClients(const CoapServer& server, int clients, int requests,
                        const CoapClientOptions& options) {
  std::atomic<int> good{0};
  std::vector<std::string> errors(clients);
  std::vector<std::thread> threads;
  const int port = server.port();
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([i, port, requests, &options, &good, &errors] {
      auto client = CoapClient::Connect("127.0.0.1", port, options);
      if (!client) {
        errors[i] = client.error().ToString();
        return;
      }
      for (int j = 0; j < requests; ++j) {
        std::string msg = "client " + std::to_string(i) + " request " + std::to_string(j);
        auto r = (*client)->Post("echo", AsBytes(msg));
        if (!r) {
          errors[i] = r.error().ToString();
          return;
        }
        if (r->code != CoapCode(2, 5) || r->payload != ToBytes(AsBytes(msg))) {
          errors[i] = "wrong response to " + msg;
          return;
        }
        ++good;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (int i = 0; i < clients; ++i) {
    EXPECT_EQ(errors[i], "") << "client " << i;
  }
  return good.load();
}

TEST(CoapTest, ManyClientsInParallel) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls);
  ASSERT_TRUE(server);
  constexpr int kClients = 64;
  constexpr int kRequests = 20;
  EXPECT_EQ(EchoFromManyClients(*server, kClients, kRequests, {}), kClients * kRequests);
  // Each request ran the handler at least once (a lost ACK may cause a retransmission).
  EXPECT_GE(calls.load(), kClients * kRequests);
  EXPECT_GE(server->requests(), static_cast<uint64_t>(kClients * kRequests));
}

TEST(CoapTest, DtlsPskEcho) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls, PskServerOptions());
  ASSERT_TRUE(server);
  CoapClientOptions o;
  o.psk_identity = "device-1";
  o.psk = Key(1);
  auto client = ConnectTo(*server, o);
  ASSERT_TRUE(client);
  auto r = client->Post("echo", AsBytes("secret hello"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->code, CoapCode(2, 5));
  EXPECT_EQ(r->payload, ToBytes(AsBytes("secret hello")));
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(client->bytes_sent(), server->bytes_in());
  EXPECT_EQ(client->bytes_received(), server->bytes_out());
}

TEST(CoapTest, ManyDtlsClientsInParallel) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls, PskServerOptions());
  ASSERT_TRUE(server);
  CoapClientOptions o;
  o.psk_identity = "device-1";
  o.psk = Key(1);
  EXPECT_EQ(EchoFromManyClients(*server, 16, 5, o), 16 * 5);
}

TEST(CoapTest, DtlsPlainClientGetsNoAnswer) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls, PskServerOptions());
  ASSERT_TRUE(server);
  CoapClientOptions o;
  o.timeout_ms = 800;
  auto client = ConnectTo(*server, o);  // plain UDP: no handshake to fail
  ASSERT_TRUE(client);
  auto r = client->Post("echo", AsBytes("x"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(calls.load(), 0);
}

// Returns the error of a DTLS connection plus one POST with |identity| and |key|.
Error DtlsFailure(const CoapServer& server, std::string identity, Bytes key) {
  CoapClientOptions o;
  o.timeout_ms = 1500;
  o.psk_identity = std::move(identity);
  o.psk = std::move(key);
  auto client = CoapClient::Connect("127.0.0.1", server.port(), o);
  if (!client) {
    return client.error();
  }
  auto r = (*client)->Post("echo", AsBytes("x"));
  if (!r) {
    return r.error();
  }
  return Error(ErrorCode::kInternal, "unexpectedly succeeded");
}

TEST(CoapTest, DtlsWrongKeyFails) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls, PskServerOptions());
  ASSERT_TRUE(server);
  Error e = DtlsFailure(*server, "device-1", Key(2));
  // DTLS drops the records protected with the wrong key (RFC 6347 §4.1.2.7), so the handshake
  // never completes: Connect times out.
  EXPECT_EQ(e.code(), ErrorCode::kUnavailable) << e.ToString();
  EXPECT_NE(e.message().find("wrong PSK"), std::string::npos) << e.ToString();
  EXPECT_NE(e.message().find("DTLS"), std::string::npos) << e.ToString();
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(server->requests(), 0u);
}

TEST(CoapTest, DtlsUnknownIdentityFails) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls, PskServerOptions());
  ASSERT_TRUE(server);
  Error e = DtlsFailure(*server, "device-2", Key(1));
  // The server refuses the handshake with an alert.
  EXPECT_EQ(e.code(), ErrorCode::kUnauthenticated) << e.ToString();
  EXPECT_NE(e.message().find("DTLS"), std::string::npos) << e.ToString();
  EXPECT_EQ(calls.load(), 0);
}

TEST(CoapTest, ServerStopWhileClientsExist) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls);
  ASSERT_TRUE(server);
  CoapClientOptions o;
  o.timeout_ms = 800;
  auto client = ConnectTo(*server, o);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Post("echo", AsBytes("before")).has_value());
  server.reset();
  auto r = client->Post("echo", AsBytes("after"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().ToString();
  EXPECT_EQ(calls.load(), 1);
  client.reset();
}

TEST(CoapTest, MalformedDatagramsDoNotDisturbTheServer) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls);
  ASSERT_TRUE(server);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(server->port()));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<Bytes> junk = {
      {},                                  // empty datagram
      {0x40},                              // truncated header
      {0x80, 0x02, 0x00, 0x01},            // version 2
      {0x4f, 0x02, 0x00, 0x01},            // token length 15 (reserved)
      {0x41, 0x02, 0x00, 0x01},            // token length 1 but no token
      {0x40, 0x02, 0x00, 0x01, 0xbf},      // option length 15 (reserved)
      {0x40, 0x02, 0x00, 0x01, 0xb4, 'e'}, // Uri-Path option longer than the datagram
      {0x40, 0x02, 0x00, 0x01, 0xff},      // payload marker without payload
  };
  for (const Bytes& d : junk) {
    ASSERT_EQ(sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)),
              static_cast<ssize_t>(d.size()));
  }
  close(fd);
  auto client = ConnectTo(*server);
  ASSERT_TRUE(client);
  auto r = client->Post("echo", AsBytes("still alive"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->payload, ToBytes(AsBytes("still alive")));
  EXPECT_EQ(calls.load(), 1);
}

// RawExchange sends |datagram| to 127.0.0.1:|port| from |fd| and returns the datagram that
// comes back within 2 s (empty if none).
Bytes RawExchange(int fd, int port, const Bytes& datagram) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to),
             sizeof(to)) != static_cast<ssize_t>(datagram.size())) {
    return {};
  }
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  uint8_t buf[1500];
  ssize_t n = recv(fd, buf, sizeof(buf), 0);
  return n > 0 ? Bytes(buf, buf + n) : Bytes{};
}

// ConPost is a confirmable POST to /echo (RFC 7252 §3) with Message ID |mid|, token AB CD and
// payload |body| (two octets).
Bytes ConPost(uint16_t mid, std::string_view body = "hi") {
  return {0x42, 0x02, static_cast<uint8_t>(mid >> 8), static_cast<uint8_t>(mid & 0xff), 0xab,
          0xcd, 0xb4, 'e', 'c', 'h', 'o', 0xff, static_cast<uint8_t>(body[0]),
          static_cast<uint8_t>(body[1])};
}

TEST(CoapTest, ARetransmittedRequestGetsTheSameAnswerWithoutTheHandler) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls);
  ASSERT_TRUE(server);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  const Bytes first = RawExchange(fd, server->port(), ConPost(0x1234));
  const Bytes again = RawExchange(fd, server->port(), ConPost(0x1234));
  ASSERT_GE(first.size(), 6u);
  // A piggybacked 2.05 in an ACK with the request's Message ID and token (RFC 7252 §5.2.1).
  EXPECT_EQ(first[0], 0x62);
  EXPECT_EQ(first[1], CoapCode(2, 5));
  EXPECT_EQ(first[2], 0x12);
  EXPECT_EQ(first[3], 0x34);
  EXPECT_EQ(Bytes(first.end() - 2, first.end()), ToBytes(AsBytes("hi")));
  // RFC 7252 §4.5: the duplicate gets the same answer and the handler ran once.
  EXPECT_EQ(again, first);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(server->duplicates(), 1u);
  // A new Message ID is a new request.
  const Bytes other = RawExchange(fd, server->port(), ConPost(0x1235));
  ASSERT_GE(other.size(), 6u);
  EXPECT_EQ(other[1], CoapCode(2, 5));
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(server->duplicates(), 1u);
  // So is another payload under a Message ID and token already seen (a new client that got the
  // same port, Message ID and token): it is not answered with another request's answer.
  const Bytes reused = RawExchange(fd, server->port(), ConPost(0x1234, "ho"));
  ASSERT_GE(reused.size(), 6u);
  EXPECT_EQ(Bytes(reused.end() - 2, reused.end()), ToBytes(AsBytes("ho")));
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(server->duplicates(), 1u);
  close(fd);
}

TEST(CoapTest, WithNoRememberedAnswersEveryCopyReachesTheHandler) {
  std::atomic<int> calls{0};
  CoapServerOptions o;
  o.remembered_answers = 0;
  auto server = StartEcho(calls, o);
  ASSERT_TRUE(server);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  EXPECT_FALSE(RawExchange(fd, server->port(), ConPost(7)).empty());
  EXPECT_FALSE(RawExchange(fd, server->port(), ConPost(7)).empty());
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(server->duplicates(), 0u);
  close(fd);
}

TEST(CoapTest, RememberedAnswersAreBounded) {
  std::atomic<int> calls{0};
  CoapServerOptions o;
  o.remembered_answers = 2;
  auto server = StartEcho(calls, o);
  ASSERT_TRUE(server);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  for (uint16_t mid : {1, 2, 3}) {
    EXPECT_FALSE(RawExchange(fd, server->port(), ConPost(mid)).empty());
  }
  EXPECT_EQ(calls.load(), 3);
  // 3 is remembered; 1, the oldest, was forgotten and runs the handler again.
  EXPECT_FALSE(RawExchange(fd, server->port(), ConPost(3)).empty());
  EXPECT_EQ(calls.load(), 3);
  EXPECT_FALSE(RawExchange(fd, server->port(), ConPost(1)).empty());
  EXPECT_EQ(calls.load(), 4);
  close(fd);
}

TEST(CoapTest, ByteCountersAreConsistent) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls);
  ASSERT_TRUE(server);
  auto client = ConnectTo(*server);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->bytes_sent(), 0u);
  for (int i = 0; i < 5; ++i) {
    Bytes payload(10 * i + 1, static_cast<uint8_t>(i));
    ASSERT_TRUE(client->Post("echo", payload).has_value());
  }
  EXPECT_GT(client->bytes_sent(), 0u);
  EXPECT_GT(client->bytes_received(), 0u);
  EXPECT_EQ(client->bytes_sent(), server->bytes_in());
  EXPECT_EQ(client->bytes_received(), server->bytes_out());
  EXPECT_EQ(server->requests(), 5u);
  // Payloads total 1+11+21+31+41 = 105 octets each way plus a payload marker each; headers,
  // tokens and the Uri-Path option ("echo": 5 octets) come on top.
  EXPECT_GE(client->bytes_sent(), 105u + 5 * (1 + 4 + 5));
  EXPECT_GE(client->bytes_received(), 105u + 5 * (1 + 4));
}

// Bytes |n| octets that depend on |seed| and on their position, so that a lost, repeated or
// reordered block changes them.
Bytes Pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) {
    b[i] = static_cast<uint8_t>(seed + i * 31 + (i >> 8));
  }
  return b;
}

// Starts a server whose "big" handler answers a request payload of one octet s with
// Pattern(kBigAnswer, s).
constexpr size_t kBigAnswer = 2500;
std::unique_ptr<CoapServer> StartBig(CoapServerOptions o = {}) {
  auto big = [](ByteSpan p) {
    return CoapResponse{CoapCode(2, 5), Pattern(kBigAnswer, p.empty() ? 0 : p[0])};
  };
  auto echo = [](ByteSpan p) { return CoapResponse{CoapCode(2, 5), ToBytes(p)}; };
  auto server = CoapServer::Start(std::move(o), {{"big", big}, {"echo", echo}});
  EXPECT_TRUE(server.has_value()) << server.error().ToString();
  return server.has_value() ? std::move(*server) : nullptr;
}

// Fetches one 2,500-octet answer and checks its content and its 3 round trips (RFC 7959 §2.2:
// blocks of 1024, 1024 and 452 octets).
void FetchBigAnswer(CoapClient& client) {
  auto r = client.Post("big", Bytes{7});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->code, CoapCode(2, 5));
  EXPECT_EQ(r->payload, Pattern(kBigAnswer, 7));
  EXPECT_EQ(client.exchanges(), 3u);
}

TEST(CoapTest, BlockwiseAnswerOverPlainCoap) {
  auto server = StartBig();
  ASSERT_TRUE(server);
  UdpRelay relay(server->port());
  auto client = CoapClient::Connect("127.0.0.1", relay.port(), {});
  ASSERT_TRUE(client.has_value()) << client.error().ToString();
  FetchBigAnswer(**client);
  // Every message of the three exchanges counted once, as on the wire. The server counted
  // what its handler saw: the first request and the first block.
  EXPECT_EQ((*client)->bytes_sent(), relay.up());
  EXPECT_EQ((*client)->bytes_received(), relay.down());
  EXPECT_GE(relay.down(), kBigAnswer + 3 * (4 + 1));
  EXPECT_EQ(server->requests(), 1u);
  EXPECT_LT(server->bytes_in(), relay.up());
  EXPECT_GT(server->bytes_out(), 1024u);
  EXPECT_LT(server->bytes_out(), relay.down() - (kBigAnswer - 1024));
  // The session stays usable for single-message exchanges.
  auto small = (*client)->Post("echo", AsBytes("after"));
  ASSERT_TRUE(small.has_value()) << small.error().ToString();
  EXPECT_EQ(small->payload, ToBytes(AsBytes("after")));
  EXPECT_EQ((*client)->exchanges(), 4u);
  EXPECT_EQ((*client)->bytes_sent(), relay.up());
  EXPECT_EQ((*client)->bytes_received(), relay.down());
}

TEST(CoapTest, BlockwiseAnswerOverDtls) {
  // The same exchange over plain CoAP, measured on the wire, gives the expected sums: DTLS
  // carries the same CoAP messages (up to token values) inside its records.
  uint64_t plain_sent = 0;
  uint64_t plain_received = 0;
  {
    auto server = StartBig();
    ASSERT_TRUE(server);
    UdpRelay relay(server->port());
    auto client = CoapClient::Connect("127.0.0.1", relay.port(), {});
    ASSERT_TRUE(client.has_value()) << client.error().ToString();
    FetchBigAnswer(**client);
    plain_sent = relay.up();
    plain_received = relay.down();
  }
  auto server = StartBig(PskServerOptions());
  ASSERT_TRUE(server);
  CoapClientOptions o;
  o.psk_identity = "device-1";
  o.psk = Key(1);
  auto client = ConnectTo(*server, o);
  ASSERT_TRUE(client);
  FetchBigAnswer(*client);
  EXPECT_NEAR(static_cast<double>(client->bytes_sent()), static_cast<double>(plain_sent), 4);
  EXPECT_NEAR(static_cast<double>(client->bytes_received()), static_cast<double>(plain_received),
              4);
}

TEST(CoapTest, AnswerOverMaxResponseFailsCleanly) {
  auto server = StartBig();
  ASSERT_TRUE(server);
  CoapClientOptions o;
  o.max_response = kBigAnswer - 1;
  auto client = ConnectTo(*server, o);
  ASSERT_TRUE(client);
  auto r = client->Post("big", Bytes{1});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().ToString();
  EXPECT_NE(r.error().message().find("max_response"), std::string::npos) << r.error().ToString();
  // Size2 (RFC 7959 §4) announced the size: the client stopped after the first block.
  EXPECT_EQ(client->exchanges(), 1u);
  // The client still works, and an answer of exactly max_response octets is accepted.
  auto small = client->Post("echo", AsBytes("still fine"));
  ASSERT_TRUE(small.has_value()) << small.error().ToString();
  EXPECT_EQ(small->payload, ToBytes(AsBytes("still fine")));
  o.max_response = kBigAnswer;
  auto exact = ConnectTo(*server, o);
  ASSERT_TRUE(exact);
  auto ok = exact->Post("big", Bytes{2});
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(ok->payload, Pattern(kBigAnswer, 2));
  CoapClientOptions zero;
  zero.max_response = 0;
  auto bad = CoapClient::Connect("127.0.0.1", server->port(), zero);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

TEST(CoapTest, BlockwiseRequestIsRequestEntityTooLarge) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls);
  ASSERT_TRUE(server);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  timeval tv{2, 0};
  ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(server->port()));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // A CON POST to "echo" (RFC 7252 §3) with Block1 (option 27: delta 16 = 13 + 3, length 1)
  // asking to send block 0 of more, SZX 6 (RFC 7959 §2.2), and a 16-octet block.
  Bytes req = {0x41, 0x02, 0x12, 0x34, 0x5a, 0xb4, 'e', 'c', 'h', 'o', 0xd1, 0x03, 0x0e, 0xff};
  req.resize(req.size() + 16, 0x61);
  ASSERT_EQ(sendto(fd, req.data(), req.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)),
            static_cast<ssize_t>(req.size()));
  uint8_t buf[1500];
  ssize_t n = recv(fd, buf, sizeof(buf), 0);
  close(fd);
  ASSERT_GE(n, 5);
  EXPECT_EQ(buf[0], 0x61);             // version 1, ACK, token length 1
  EXPECT_EQ(buf[1], CoapCode(4, 13));  // RFC 7959 §2.9.3
  EXPECT_EQ(buf[4], 0x5a);             // the token
  EXPECT_EQ(calls.load(), 0);
}

TEST(CoapTest, ALaterBlockOfAForgottenAnswerIsRefusedWithoutTheHandler) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls);
  ASSERT_TRUE(server);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  // A CON POST to "echo" asking for block 1 of its answer (Block2, option 23: delta 12,
  // length 1; NUM 1, SZX 6, RFC 7959 §2.2) that the server never started.
  const Bytes req = {0x42, 0x02, 0x00, 0x09, 0xab, 0xcd, 0xb4, 'e', 'c', 'h', 'o',
                     0xc1, 0x16, 0xff, 'h', 'i'};
  const Bytes answer = RawExchange(fd, server->port(), req);
  close(fd);
  ASSERT_GE(answer.size(), 6u);
  EXPECT_EQ(answer[0], 0x62);                 // ACK, the request's token
  EXPECT_EQ(answer[1], CoapCode(5, 3));       // ask again from the start
  const std::string text(answer.begin(), answer.end());
  EXPECT_NE(text.find("no longer held"), std::string::npos);
  EXPECT_EQ(calls.load(), 0);                 // the handler did not run a second time
}

// ReceiveBuffers returns the SO_RCVBUF of every UDP socket of this process bound to |port|.
std::vector<int> ReceiveBuffers(int port) {
  std::vector<int> out;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return out;
  }
  while (dirent* e = readdir(dir)) {
    const int fd = std::atoi(e->d_name);
    int type = 0;
    socklen_t len = sizeof(type);
    sockaddr_storage a{};
    socklen_t alen = sizeof(a);
    if (fd <= 2 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_DGRAM ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &alen) != 0 || a.ss_family != AF_INET ||
        ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port) != port) {
      continue;
    }
    int size = 0;
    len = sizeof(size);
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len) == 0) {
      out.push_back(size);
    }
  }
  closedir(dir);
  return out;
}

TEST(CoapTest, EachIoThreadsSocketGetsTheReceiveBufferAskedFor) {
  long rmem_max = 0;
  std::ifstream("/proc/sys/net/core/rmem_max") >> rmem_max;
  if (rmem_max <= 0) {
    GTEST_SKIP() << "/proc/sys/net/core/rmem_max is not readable";
  }
  std::atomic<int> calls{0};
  CoapServerOptions o;
  o.threads = 2;
  o.receive_buffer = 1 << 20;
  auto server = StartEcho(calls, o);
  ASSERT_TRUE(server);
  // Linux caps the size at rmem_max and reports twice what it grants (socket(7)).
  const int granted = 2 * static_cast<int>(std::min<long>(o.receive_buffer, rmem_max));
  EXPECT_EQ(ReceiveBuffers(server->port()), std::vector<int>(2, granted));
  // A size below any system's default shows the option is applied even where rmem_max is the
  // default, and on the one socket of a single io thread too.
  o.threads = 1;
  o.receive_buffer = 64 << 10;
  auto small = StartEcho(calls, o);
  ASSERT_TRUE(small);
  EXPECT_EQ(ReceiveBuffers(small->port()), std::vector<int>(1, 2 * (64 << 10)));
}

// Starts a server with |threads| io threads whose "echo" handler records the threads it ran on.
struct ThreadRecorder {
  std::mutex mu;
  std::set<std::thread::id> ids;
};
std::unique_ptr<CoapServer> StartRecordingEcho(ThreadRecorder& rec, CoapServerOptions o) {
  auto server = CoapServer::Start(std::move(o), {{"echo", [&rec](ByteSpan p) {
                                                    std::lock_guard<std::mutex> lock(rec.mu);
                                                    rec.ids.insert(std::this_thread::get_id());
                                                    return CoapResponse{CoapCode(2, 5), ToBytes(p)};
                                                  }}});
  EXPECT_TRUE(server.has_value()) << server.error().ToString();
  return server.has_value() ? std::move(*server) : nullptr;
}

TEST(CoapTest, TwoThreadsServeClientsInParallel) {
  ThreadRecorder rec;
  CoapServerOptions o;
  o.threads = 2;
  auto server = StartRecordingEcho(rec, o);
  ASSERT_TRUE(server);
  // The kernel picks a client's socket by a keyed hash of its 4-tuple, so each client lands on
  // either thread with probability 1/2: with 32 clients (each doing 50 posts, more than the
  // 16 x 50 asked of the server) all land on one thread with probability 2^-31 < 1e-9.
  constexpr int kClients = 32;
  constexpr int kRequests = 50;
  EXPECT_EQ(EchoFromManyClients(*server, kClients, kRequests, {}), kClients * kRequests);
  EXPECT_GE(server->requests(), static_cast<uint64_t>(kClients * kRequests));
  std::lock_guard<std::mutex> lock(rec.mu);
  EXPECT_EQ(rec.ids.size(), 2u);
}

TEST(CoapTest, AnAnswerThatFitsOneMessageIsSentWhole) {
  // The handler answers with as many octets as the request asks (2 octets, big-endian).
  auto sized = [](ByteSpan p) {
    const size_t n = p.size() == 2 ? (size_t{p[0]} << 8) | p[1] : 0;
    return CoapResponse{CoapCode(2, 5), Pattern(n, 3)};
  };
  auto server = CoapServer::Start({}, {{"sized", sized}});
  ASSERT_TRUE(server.has_value()) << server.error().ToString();
  // RFC 7252 §4.6: up to 1152 octets per message; 1100 octets of payload fit with the header,
  // token and options, 1200 do not (RFC 7959: two blocks of 1024 and 176).
  for (auto [size, exchanges] : {std::pair<size_t, uint64_t>{1100, 1}, {1200, 2}}) {
    auto client = ConnectTo(**server);
    ASSERT_TRUE(client);
    auto r = client->Post("sized", Bytes{static_cast<uint8_t>(size >> 8),
                                         static_cast<uint8_t>(size & 0xff)});
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(r->payload, Pattern(size, 3)) << size;
    EXPECT_EQ(r->exchanges, exchanges) << size;
    EXPECT_LE(client->bytes_received(), size + 100) << size;
  }
}

TEST(CoapTest, PostAllMatchesEachAnswerToItsRequest) {
  auto server = StartBig();
  ASSERT_TRUE(server);
  UdpRelay relay(server->port());
  auto client = CoapClient::Connect("127.0.0.1", relay.port(), {});
  ASSERT_TRUE(client.has_value()) << client.error().ToString();
  const Bytes first = ToBytes(AsBytes("first"));
  const Bytes second = ToBytes(AsBytes("second"));
  const Bytes big_seed{9};
  const CoapPost posts[] = {{"echo", first}, {"big", big_seed}, {"nowhere", first},
                            {"echo", second}};
  auto all = (*client)->PostAll(posts);
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  ASSERT_EQ(all->size(), 4u);
  for (const auto& r : *all) {
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
  }
  EXPECT_EQ((*all)[0]->payload, first);
  EXPECT_EQ((*all)[0]->exchanges, 1u);
  // The block-wise answer is reassembled while the other answers arrive (RFC 7959 §2.4).
  EXPECT_EQ((*all)[1]->payload, Pattern(kBigAnswer, 9));
  EXPECT_EQ((*all)[1]->exchanges, 3u);
  EXPECT_EQ((*all)[2]->code, CoapCode(4, 4));
  EXPECT_EQ((*all)[3]->payload, second);
  EXPECT_EQ((*client)->exchanges(), 6u);
  // Every message counted once, as on the wire.
  EXPECT_EQ((*client)->bytes_sent(), relay.up());
  EXPECT_EQ((*client)->bytes_received(), relay.down());
}

TEST(CoapTest, PostAllWithABadRequestSendsNothing) {
  std::atomic<int> calls{0};
  auto server = StartEcho(calls);
  ASSERT_TRUE(server);
  auto client = ConnectTo(*server);
  ASSERT_TRUE(client);
  const Bytes payload = ToBytes(AsBytes("x"));
  const CoapPost posts[] = {{"echo", payload}, {"a//b", payload}};
  auto all = client->PostAll(posts);
  ASSERT_FALSE(all.has_value());
  EXPECT_EQ(all.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(client->bytes_sent(), 0u);
  // The session is unharmed, and the first request was never sent: one call in all.
  auto r = client->Post("echo", payload);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->payload, payload);
  EXPECT_EQ(calls.load(), 1);
  auto none = client->PostAll({});
  ASSERT_TRUE(none.has_value()) << none.error().ToString();
  EXPECT_TRUE(none->empty());
}

TEST(CoapTest, PostAllToAnAbsentServerFailsEachRequest) {
  const int port = FreePort();
  ASSERT_GT(port, 0);
  CoapClientOptions o;
  o.timeout_ms = 300;
  auto client = CoapClient::Connect("127.0.0.1", port, o);
  ASSERT_TRUE(client.has_value()) << client.error().ToString();
  const Bytes payload{1};
  const CoapPost posts[] = {{"echo", payload}, {"echo", payload}};
  auto all = (*client)->PostAll(posts);
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  ASSERT_EQ(all->size(), 2u);
  for (const auto& r : *all) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  }
}

TEST(CoapTest, TwoThreadsOnAGivenPortAndBlockwise) {
  // Serve on a given (free) port with two threads.
  const int port = FreePort();
  ASSERT_GT(port, 0);
  CoapServerOptions o;
  o.threads = 2;
  o.port = port;
  auto server = StartBig(o);
  ASSERT_TRUE(server);
  EXPECT_EQ(server->port(), port);
  for (int i = 0; i < 8; ++i) {
    auto client = ConnectTo(*server);
    ASSERT_TRUE(client);
    auto r = client->Post("big", Bytes{static_cast<uint8_t>(i)});
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(r->payload, Pattern(kBigAnswer, static_cast<uint8_t>(i)));
    EXPECT_EQ(client->exchanges(), 3u);
  }
  // The port is taken: a second server on it is refused.
  auto again = CoapServer::Start(o, {{"a", [](ByteSpan) { return CoapResponse{}; }}});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kUnavailable);
}

TEST(CoapTest, TwoThreadsOverDtls) {
  ThreadRecorder rec;
  CoapServerOptions o = PskServerOptions();
  o.threads = 2;
  auto server = StartRecordingEcho(rec, o);
  ASSERT_TRUE(server);
  CoapClientOptions c;
  c.psk_identity = "device-1";
  c.psk = Key(1);
  EXPECT_EQ(EchoFromManyClients(*server, 8, 20, c), 8 * 20);
  EXPECT_GE(server->requests(), 8u * 20u);
}

TEST(CoapTest, BadThreadCounts) {
  auto handler = [](ByteSpan) { return CoapResponse{}; };
  for (int threads : {0, -1, 65}) {
    CoapServerOptions o;
    o.threads = threads;
    auto r = CoapServer::Start(o, {{"a", handler}});
    ASSERT_FALSE(r.has_value()) << threads;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << threads;
  }
}
TEST(CoapTest, InvalidArguments) {
  auto handler = [](ByteSpan) { return CoapResponse{}; };
  auto leading = CoapServer::Start({}, {{"/echo", handler}});
  ASSERT_FALSE(leading.has_value());
  EXPECT_EQ(leading.error().code(), ErrorCode::kInvalidArgument);
  auto dup = CoapServer::Start({}, {{"a", handler}, {"a", handler}});
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code(), ErrorCode::kInvalidArgument);
  auto empty_handler = CoapServer::Start({}, {{"a", nullptr}});
  ASSERT_FALSE(empty_handler.has_value());
  EXPECT_EQ(empty_handler.error().code(), ErrorCode::kInvalidArgument);
  CoapServerOptions bad_port;
  bad_port.port = 70000;
  auto port = CoapServer::Start(bad_port, {{"a", handler}});
  ASSERT_FALSE(port.has_value());
  EXPECT_EQ(port.error().code(), ErrorCode::kInvalidArgument);

  auto server = CoapServer::Start({}, {{"a", handler}});
  ASSERT_TRUE(server.has_value()) << server.error().ToString();
  CoapServerOptions same;
  same.port = (*server)->port();
  auto in_use = CoapServer::Start(same, {{"a", handler}});
  ASSERT_FALSE(in_use.has_value());
  EXPECT_EQ(in_use.error().code(), ErrorCode::kUnavailable);

  auto client = ConnectTo(**server);
  ASSERT_TRUE(client);
  for (std::string_view path : {"", "a//b", "a/", "a?x=1"}) {
    auto r = client->Post(path, AsBytes("x"));
    ASSERT_FALSE(r.has_value()) << path;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << path;
  }
  auto no_port = CoapClient::Connect("127.0.0.1", 0, {});
  ASSERT_FALSE(no_port.has_value());
  EXPECT_EQ(no_port.error().code(), ErrorCode::kInvalidArgument);
  CoapClientOptions id_only;
  id_only.psk_identity = "device-1";
  auto no_key = CoapClient::Connect("127.0.0.1", (*server)->port(), id_only);
  ASSERT_FALSE(no_key.has_value());
  EXPECT_EQ(no_key.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace iotsec::net
