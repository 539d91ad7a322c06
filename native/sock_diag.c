// sock_diag: the machine's TCP and UDP sockets through NETLINK_SOCK_DIAG (inet_diag), the interface
// `ss` uses, instead of /proc/net/{tcp,tcp6,udp,udp6}.
//
// A Reader keeps the previous dump in a hash table keyed by the kernel's socket cookie (unique for a
// socket's life, kept by its TIME_WAIT successor), so each poll hands JavaScript only what changed:
// a quiet poll of 10,000 sockets costs the kernel's dump and a few integer compares per socket here,
// and no JavaScript work per socket at all. The compares run in step with the previous dump kept in
// the kernel's order (the walk's order does not change), so memory is read in order and the hash
// table is looked up only for sockets new, gone or out of step.
//
// JS API (see src/core/sources/netlink.ts):
//   new Reader()
//   reader.poll(flags: number): Buffer
//     flags: 1 TCP, 2 UDP, 4 TCP per family (AF_INET then AF_INET6) even where one AF_UNSPEC walk
//     works (tests), 8 traffic counters (INET_DIAG_INFO: struct tcp_info), 16 start over (forget the
//     previous dump: every socket is reported as added), 32 closed connections (join the kernel's
//     TCP-destroy multicast groups and report each connection's final counters), 64 every TCP state
//     (never leave ESTABLISHED out of this dump: see "Skipping ESTABLISHED").
//     Returns a Buffer: a 64-byte header, then the sections in this order:
//       added   (80-byte records)   sockets new since the previous poll
//       changed (80-byte records)   same cookie, other state, address, uid or inode
//       removed (8 bytes: cookie)   gone since the previous poll
//       moved   (32 bytes)          only the counters moved: cookie u64, sent f64, received f64,
//                                   rtt_us u32, flags u8 (as a record's byte 3)
//       closed  (80-byte records)   connections the kernel destroyed since the previous poll, with
//                                   their final counters (TCP-destroy messages carry no inode or uid)
//     Header (little-endian):
//       0 added u32  4 changed u32  8 removed u32  12 moved u32  16 closed u32
//       20 TCP status i32  24 UDP status i32: 0, 1 when not asked for, or -errno the kernel answered
//          (nothing of that protocol is in the sections then, and its sockets are kept as they were)
//       28 sockets held now u32
//       32 closed-connection status i32: 0 listening, 1 not asked for, -errno the kernel refused
//       36 closed connections dropped u32 (more than MAX_CLOSED waiting between two polls)
//       40 receive-buffer overflows u32 (ENOBUFS: the kernel dropped destroy messages, count unknown)
//       44 ESTABLISHED left out u32: 1 when this poll's TCP dump skipped ESTABLISHED sockets (see
//          "Skipping ESTABLISHED" below) and their records are those of an earlier dump
//     Record (80 bytes):
//       0 protocol u8 (6 | 17)   1 family u8 (4 | 6)   2 state u8 (kernel TCP state number)
//       3 flags u8: 1 byte counters present, 2 rtt present, 4 (closed only) cookie was in the table
//       4 local port u16   6 remote port u16   8 local address [16]   24 remote address [16]
//       40 uid u32   44 inode u32   48 cookie u64   56 bytes sent f64   64 bytes received f64
//       72 rtt (smoothed, microseconds) u32   76 zero
//     IPv4 addresses fill the first 4 bytes of their 16, the rest are zero. Bytes sent is tcp_info's
//     bytes_sent where the kernel has it (4.19+), bytes_acked before; fields are picked by the length of
//     the INET_DIAG_INFO attribute, never by the kernel version. A record whose new dump carries no
//     tcp_info (TIME_WAIT, SYN_RECV) keeps the counters last seen.
//     Throws an Error (never crashes) when a netlink socket cannot be opened or used: code
//     'ERR_SOCK_DIAG', errno set; the reader then starts over (flag 16) on its next poll.
//   reader.close(): closes the reader's netlink sockets and forgets its table (a poll reopens them).
//   query(family, localAddr16, localPort, remoteAddr16, remotePort): Buffer (one 80-byte record) or -errno
//     The kernel's exact lookup of one TCP socket (a listener when no connection matches: check state).
//   destroy(family, localAddr16, localPort, remoteAddr16, remotePort, cookie: Buffer(8)): 0 or -errno
//     SOCK_DESTROY of that TCP socket if it still has that cookie (-ESTALE otherwise); -EPERM without
//     CAP_NET_ADMIN, -EOPNOTSUPP where the kernel lacks CONFIG_INET_DIAG_DESTROY.
//   fdSockets(fdDir: string, out: Uint32Array): number
//     Reads the links in a /proc/PID/fd directory (readlinkat against the open directory) and writes
//     (fd, socket inode or 0) pairs into `out`, reading no link past its room. Returns the number of fds (> out.length / 2 means
//     `out` was too small: grow it, call again), or -errno when the directory cannot be opened.
//
// Skipping ESTABLISHED: on a machine of long-lived connections most of a dump's cost is filling in
// ESTABLISHED sockets that did not change (10,000 of them: about 6 of the dump's 10 ms; the walk of
// the hash tables with their state checked costs the rest). The kernel counts, per network namespace,
// every socket that enters ESTABLISHED (CurrEstab up; ActiveOpens or PassiveOpens up before it, for
// any socket not already in SYN_SENT or SYN_RECV) and every one that leaves it for any state but
// CLOSE_WAIT (CurrEstab down). So when those three counters (/proc/net/snmp) read as before the previous
// dump, no socket entered or left ESTABLISHED in between but for CLOSE_WAIT, which the dump of the
// other states shows; that dump is then enough. Every state is dumped instead when traffic counters
// are asked for (they move in ESTABLISHED), when the previous dump held a socket in SYN_SENT or
// SYN_RECV (it may have become ESTABLISHED without an open counted since) or an ESTABLISHED one with
// no inode (not accepted yet, so its inode will change), and at least every FULL_EVERY_MS, against a
// path into or out of ESTABLISHED that these counters miss on some kernel.
//
// The dump socket stays open between polls: the kernel sizes a dump's messages from the largest
// buffer a socket has read with (up to 32 KiB), so a fresh socket would start every dump with 4 KiB ones.
// The destroy socket is drained from the event loop (uv_poll, unref'd) as messages arrive, so a burst
// of closes between two polls does not overflow its receive buffer.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <node_api.h>
#include <uv.h>

#define HEADER_SIZE 64
#define RECORD_SIZE 80
#define KEY_SIZE 48 /* the part of a record that makes it "changed": everything before the cookie */
#define MOVED_SIZE 32
#define REMOVED_SIZE 8
#define RECV_SIZE (64 * 1024)
#define MAX_CLOSED (256 * 1024)
// Every kernel TCP state, 1 (ESTABLISHED) to 12 (NEW_SYN_RECV), as /proc/net/tcp lists them. Bit 13
// (TCP_BOUND_INACTIVE, Linux 6.8+) is left out: bound-only sockets are not in /proc/net/tcp.
#define TCP_STATES_MASK 0x1ffeu
#define UDP_STATES_MASK 0xffffffffu
#define STATUS_NOT_ASKED 1
#define ST_ESTABLISHED 1
#define ST_SYN_SENT 2
#define ST_SYN_RECV 3
#define FULL_EVERY_MS 30000u

#define F_TCP 1u
#define F_UDP 2u
#define F_PER_FAMILY 4u
#define F_INFO 8u
#define F_FULL 16u
#define F_CLOSED 32u
#define F_EVERY_STATE 64u

#define R_BYTES 1u
#define R_RTT 2u
#define R_KNOWN 4u

#define EMPTY 0ull
#define TOMB UINT64_MAX

typedef struct {
  uint8_t *p;
  size_t len, cap;
} bytes;

static int reserve(bytes *b, size_t more) {
  if (b->len + more <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + more) cap *= 2;
  uint8_t *p = realloc(b->p, cap);
  if (p == NULL) return -1;
  b->p = p;
  b->cap = cap;
  return 0;
}

static void bytes_free(bytes *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

typedef struct {
  uint64_t cookie; // EMPTY or TOMB for a free slot
  uint32_t gen;    // the poll that last looked it up in the table (see diff_staged)
  uint32_t mark;   // the poll that last kept it, when a poll must check for doubles
  uint8_t rec[RECORD_SIZE];
} entry;

typedef struct {
  int fd;
  uint32_t seq;
  // TCP through the legacy TCPDIAG_GETSOCK request, which the kernel runs with family AF_UNSPEC:
  // one walk of the TCP hash tables for IPv4 and IPv6 instead of two. 0 untried, 1 works, -1 refused.
  int tcp_unspec;
  uint8_t *rbuf;

  entry *slots;
  uint32_t cap, count, tombs, gen;

  // The TCP-destroy listener.
  int dfd;
  int d_status;
  uv_poll_t *watch;
  bytes closed;
  uint32_t closed_dropped, overflows;

  // This poll's records, staged per dump request (kept only when the kernel finished it), and output.
  bytes staged, added, changed, removed, moved;
  // The previous dump of each protocol (0 TCP, 1 UDP), its records in the kernel's order: exactly the
  // table's entries of that protocol. The kernel walks its hash tables in the same order each time,
  // so a dump is compared with it in step, from memory read in order, and the table is looked up
  // only for what moved out of step. Cookies passed over on the way, which may be gone.
  bytes prev[2];
  bytes passed;

  // Skipping ESTABLISHED (see the top of this file). While `split`, prev[0] holds the TCP records of
  // other states and prev_est the ESTABLISHED ones, each in the kernel's order.
  int snmp_fd; // /proc/net/snmp: -1 not open yet, -2 unusable here
  uint64_t mib[3]; // ActiveOpens, PassiveOpens, CurrEstab read before the previous TCP dump
  int mib_ok;      // mib is such a reading, and that dump succeeded
  uint32_t unsure; // sockets of the previous dump that could enter ESTABLISHED or change in it uncounted
  uint64_t full_at; // when every state was last dumped (CLOCK_MONOTONIC, ms)
  int split, skipping;
  uint32_t est_left; // this poll: ESTABLISHED sockets the dump of other states found in another state
  bytes prev_est;
} reader;

// A failure of a socket itself (not an answer of the kernel): reported as a JS Error.
typedef struct {
  int err;
  const char *what;
} hard_error;

static inline void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) | ((uint64_t)get32(p + 4) << 32); }

static inline void put64(uint8_t *p, uint64_t v) {
  put32(p, (uint32_t)v);
  put32(p + 4, (uint32_t)(v >> 32));
}

static inline void putf64(uint8_t *p, double v) {
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  put64(p, u);
}

// ---- the table of the previous dump, keyed by cookie (open addressing, tombstones) ----

static inline uint32_t slot_of(uint64_t k, uint32_t mask) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  return (uint32_t)k & mask;
}

static entry *table_find(reader *r, uint64_t cookie) {
  if (r->cap == 0) return NULL;
  uint32_t mask = r->cap - 1;
  for (uint32_t i = slot_of(cookie, mask);; i = (i + 1) & mask) {
    entry *e = &r->slots[i];
    if (e->cookie == cookie) return e;
    if (e->cookie == EMPTY) return NULL;
  }
}

static int table_resize(reader *r, uint32_t cap) {
  entry *slots = calloc(cap, sizeof *slots);
  if (slots == NULL) return -1;
  uint32_t mask = cap - 1;
  for (uint32_t i = 0; i < r->cap; i++) {
    entry *e = &r->slots[i];
    if (e->cookie == EMPTY || e->cookie == TOMB) continue;
    uint32_t j = slot_of(e->cookie, mask);
    while (slots[j].cookie != EMPTY) j = (j + 1) & mask;
    slots[j] = *e;
  }
  free(r->slots);
  r->slots = slots;
  r->cap = cap;
  r->tombs = 0;
  return 0;
}

// Inserts a cookie known to be absent. Keeps the table at most half full, tombstones included.
static entry *table_insert(reader *r, uint64_t cookie) {
  if ((r->count + r->tombs + 1) * 2 > r->cap) {
    uint32_t cap = r->cap ? r->cap : 1024;
    while ((r->count + 1) * 2 > cap) cap *= 2;
    // The same size when only tombstones filled it: the rehash clears them.
    if (table_resize(r, cap) != 0) return NULL;
  }
  uint32_t mask = r->cap - 1;
  uint32_t i = slot_of(cookie, mask);
  while (r->slots[i].cookie != EMPTY && r->slots[i].cookie != TOMB) i = (i + 1) & mask;
  if (r->slots[i].cookie == TOMB) r->tombs--;
  r->slots[i].cookie = cookie;
  r->count++;
  return &r->slots[i];
}

static void table_clear(reader *r) {
  free(r->slots);
  r->slots = NULL;
  r->cap = r->count = r->tombs = 0;
}

// ---- one dump message → one 80-byte record ----

static const uint8_t *info_attr(const struct nlmsghdr *h, size_t *len) {
  size_t off = NLMSG_LENGTH(sizeof(struct inet_diag_msg));
  size_t end = h->nlmsg_len;
  const uint8_t *base = (const uint8_t *)h;
  while (off + 4 <= end) {
    uint16_t alen, atype;
    memcpy(&alen, base + off, 2);
    memcpy(&atype, base + off + 2, 2);
    if (alen < 4 || off + alen > end) break;
    if ((atype & 0x3fff) == INET_DIAG_INFO) {
      *len = alen - 4u;
      return base + off + 4;
    }
    off += (alen + 3u) & ~3u;
  }
  return NULL;
}

// struct tcp_info offsets (include/uapi/linux/tcp.h; the layout only ever grows at the end). Not
// the header's struct: uv.h brings glibc's older one, and a field is there only if the attribute is
// long enough to hold it, whatever the kernel version.
#define TI_RTT 68             /* u32, µs: every kernel */
#define TI_BYTES_ACKED 120    /* u64: 4.1+ */
#define TI_BYTES_RECEIVED 128 /* u64: 4.1+ */
#define TI_BYTES_SENT 200     /* u64: 4.19+ (counts retransmissions too) */

static inline uint64_t ti64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

// Fills rec from a message; returns 0 for a family we do not report.
static int to_record(uint8_t *rec, uint8_t protocol, const struct nlmsghdr *h) {
  const struct inet_diag_msg *m = NLMSG_DATA(h);
  uint8_t family;
  size_t alen;
  if (m->idiag_family == AF_INET) {
    family = 4;
    alen = 4;
  } else if (m->idiag_family == AF_INET6) {
    family = 6;
    alen = 16;
  } else {
    return 0;
  }
  memset(rec, 0, RECORD_SIZE);
  rec[0] = protocol;
  rec[1] = family;
  rec[2] = m->idiag_state;
  put16(rec + 4, ntohs(m->id.idiag_sport));
  put16(rec + 6, ntohs(m->id.idiag_dport));
  memcpy(rec + 8, m->id.idiag_src, alen);
  memcpy(rec + 24, m->id.idiag_dst, alen);
  put32(rec + 40, m->idiag_uid);
  put32(rec + 44, m->idiag_inode);
  put32(rec + 48, m->id.idiag_cookie[0]);
  put32(rec + 52, m->id.idiag_cookie[1]);
  size_t len = 0;
  const uint8_t *ti = protocol == IPPROTO_TCP ? info_attr(h, &len) : NULL;
  if (ti != NULL) {
    uint8_t flags = 0;
    if (len >= TI_BYTES_RECEIVED + 8) {
      uint64_t sent = len >= TI_BYTES_SENT + 8 ? ti64(ti + TI_BYTES_SENT) : ti64(ti + TI_BYTES_ACKED);
      putf64(rec + 56, (double)sent);
      putf64(rec + 64, (double)ti64(ti + TI_BYTES_RECEIVED));
      flags |= R_BYTES;
    }
    uint32_t rtt;
    if (len >= TI_RTT + 4 && (memcpy(&rtt, ti + TI_RTT, 4), rtt != 0)) {
      put32(rec + 72, rtt);
      flags |= R_RTT;
    }
    rec[3] = flags;
  }
  return 1;
}

// ---- requests ----

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static int open_diag_socket(int *out, hard_error *he) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) {
    he->err = errno;
    he->what = "socket(AF_NETLINK, NETLINK_SOCK_DIAG) failed";
    return -1;
  }
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
    he->err = errno;
    he->what = "bind(AF_NETLINK) failed";
    close(fd);
    return -1;
  }
  // A dump always ends, but never let a kernel that stops answering hang Node's main thread.
  struct timeval timeout = {.tv_sec = 5, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  *out = fd;
  return 0;
}

static int send_request(int fd, uint16_t type, uint16_t flags, uint32_t seq, const void *req, size_t req_len, hard_error *he) {
  struct {
    struct nlmsghdr nlh;
    union {
      struct inet_diag_req legacy;
      struct inet_diag_req_v2 v2;
    } body;
  } msg;
  memset(&msg, 0, sizeof msg);
  msg.nlh.nlmsg_len = NLMSG_LENGTH(req_len);
  msg.nlh.nlmsg_type = type;
  msg.nlh.nlmsg_flags = flags;
  msg.nlh.nlmsg_seq = seq;
  memcpy(&msg.body, req, req_len);
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  for (;;) {
    ssize_t n = sendto(fd, &msg, msg.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
    if (n >= 0) return 0;
    if (errno == EINTR) continue;
    he->err = errno;
    he->what = "sendto(NETLINK_SOCK_DIAG) failed";
    return -1;
  }
}

typedef int (*on_message)(void *ctx, uint8_t protocol, const struct nlmsghdr *h);

// Sends one request and reads its answer, handing each socket message to `fn`. Returns 0 when done,
// -errno when the kernel refused or aborted it, 1 on a hard failure (he).
static int run_request(reader *st, uint16_t type, uint16_t flags, const void *req, size_t req_len, uint8_t protocol,
                       on_message fn, void *ctx, hard_error *he) {
  uint32_t seq = ++st->seq;
  if (send_request(st->fd, type, flags, seq, req, req_len, he) != 0) return 1;
  for (;;) {
    struct iovec iov = {.iov_base = st->rbuf, .iov_len = RECV_SIZE};
    struct sockaddr_nl from;
    struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n = recvmsg(st->fd, &mh, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      he->err = errno;
      he->what = "recvmsg(NETLINK_SOCK_DIAG) failed";
      return 1;
    }
    if (n == 0) {
      he->err = EPIPE;
      he->what = "recvmsg(NETLINK_SOCK_DIAG) returned nothing";
      return 1;
    }
    if (mh.msg_flags & MSG_TRUNC) {
      he->err = EMSGSIZE;
      he->what = "recvmsg(NETLINK_SOCK_DIAG) truncated a message";
      return 1;
    }
    int len = (int)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)st->rbuf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != seq) continue; // left over from an earlier, abandoned request
      if (h->nlmsg_type == NLMSG_DONE) {
        // Since Linux 4.x the DONE message carries the dump's final status.
        int err = 0;
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) memcpy(&err, NLMSG_DATA(h), sizeof err);
        return err < 0 ? err : 0;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
          he->err = EPROTO;
          he->what = "short NLMSG_ERROR from NETLINK_SOCK_DIAG";
          return 1;
        }
        const struct nlmsgerr *e = NLMSG_DATA(h);
        // An error (or the acknowledgement of a non-dump request) answers the request as a whole.
        if (e->error == 0 && (flags & NLM_F_DUMP)) continue;
        return e->error;
      }
      if (h->nlmsg_type != type && h->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
        he->err = EPROTO;
        he->what = "short inet_diag_msg from NETLINK_SOCK_DIAG";
        return 1;
      }
      if (fn(ctx, protocol, h) != 0) {
        he->err = ENOMEM;
        he->what = "out of memory";
        return 1;
      }
      if (!(flags & NLM_F_DUMP)) return 0; // an exact lookup answers with one message
    }
    if (len != 0) {
      he->err = EPROTO;
      he->what = "malformed message from NETLINK_SOCK_DIAG";
      return 1;
    }
  }
}

static int stage(void *ctx, uint8_t protocol, const struct nlmsghdr *h) {
  bytes *b = ctx;
  if (reserve(b, RECORD_SIZE) != 0) return -1;
  if (to_record(b->p + b->len, protocol, h)) b->len += RECORD_SIZE;
  return 0;
}

static int dump_v2(reader *st, uint8_t family, uint8_t protocol, uint32_t states, uint8_t ext, hard_error *he) {
  struct inet_diag_req_v2 req;
  memset(&req, 0, sizeof req);
  req.sdiag_family = family;
  req.sdiag_protocol = protocol;
  req.idiag_states = states;
  req.idiag_ext = ext;
  return run_request(st, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, &req, sizeof req, protocol, stage, &st->staged, he);
}

// AF_INET then AF_INET6. A kernel without IPv6 refuses the second: it has no IPv6 sockets to show.
static int dump_pair(reader *st, uint8_t protocol, uint32_t states, uint8_t ext, hard_error *he) {
  int r = dump_v2(st, AF_INET, protocol, states, ext, he);
  if (r != 0) return r;
  r = dump_v2(st, AF_INET6, protocol, states, ext, he);
  if (r == -ENOENT || r == -EAFNOSUPPORT || r == -EINVAL) r = 0;
  return r;
}

static int dump_tcp(reader *st, uint32_t states, uint8_t ext, int per_family, hard_error *he) {
  if (st->tcp_unspec >= 0 && !per_family) {
    struct inet_diag_req req;
    memset(&req, 0, sizeof req);
    req.idiag_family = AF_UNSPEC;
    req.idiag_states = states;
    req.idiag_ext = ext;
    size_t mark = st->staged.len;
    int r = run_request(st, TCPDIAG_GETSOCK, NLM_F_REQUEST | NLM_F_DUMP, &req, sizeof req, IPPROTO_TCP, stage, &st->staged, he);
    if (r == 0) {
      st->tcp_unspec = 1;
      return 0;
    }
    if (r > 0 || st->tcp_unspec == 1) return r;
    st->staged.len = mark;
    st->tcp_unspec = -1; // this kernel has no legacy request: ask per family from now on
  }
  return dump_pair(st, IPPROTO_TCP, states, ext, he);
}

// ---- the TCP-destroy listener ----

static void drain_closed(reader *st) {
  if (st->dfd < 0 || st->rbuf == NULL) return;
  for (;;) {
    ssize_t n = recv(st->dfd, st->rbuf, RECV_SIZE, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        // The kernel dropped messages because the buffer was full: count it, go on reading.
        st->overflows++;
        continue;
      }
      return; // EAGAIN: drained
    }
    if (n == 0) return;
    int len = (int)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)st->rbuf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) continue;
      if (st->closed.len / RECORD_SIZE >= MAX_CLOSED || reserve(&st->closed, RECORD_SIZE) != 0) {
        st->closed_dropped++;
        continue;
      }
      if (to_record(st->closed.p + st->closed.len, IPPROTO_TCP, h)) st->closed.len += RECORD_SIZE;
    }
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  reader *st = handle->data;
  if (st == NULL || status < 0) return;
  drain_closed(st);
}

static void free_handle(uv_handle_t *handle) { free(handle); }

static void stop_closed(reader *st) {
  if (st->watch != NULL) {
    st->watch->data = NULL;
    uv_poll_stop(st->watch);
    uv_close((uv_handle_t *)st->watch, free_handle);
    st->watch = NULL;
  }
  close_fd(&st->dfd);
  bytes_free(&st->closed);
  st->d_status = STATUS_NOT_ASKED;
}

static void start_closed(reader *st, napi_env env) {
  if (st->dfd >= 0 || (st->d_status < 0 && st->d_status != STATUS_NOT_ASKED)) return;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
  if (fd < 0) {
    st->d_status = -errno;
    return;
  }
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  int groups[] = {SKNLGRP_INET_TCP_DESTROY, SKNLGRP_INET6_TCP_DESTROY};
  if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
    st->d_status = -errno;
    close(fd);
    return;
  }
  for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
    if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i], sizeof groups[i]) < 0) {
      // IPv6's group may be missing where IPv6 is: the IPv4 one is what matters.
      if (i == 0) {
        st->d_status = -errno;
        close(fd);
        return;
      }
    }
  }
  // Room for bursts between two event-loop turns; root may go past rmem_max.
  int size = 4 * 1024 * 1024;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  st->dfd = fd;
  st->d_status = 0;
  uv_loop_t *loop = NULL;
  if (napi_get_uv_event_loop(env, &loop) == napi_ok && loop != NULL) {
    uv_poll_t *w = malloc(sizeof *w);
    if (w != NULL && uv_poll_init(loop, w, fd) == 0) {
      w->data = st;
      uv_poll_start(w, UV_READABLE, on_readable);
      uv_unref((uv_handle_t *)w); // never keeps the process alive
      st->watch = w;
    } else {
      free(w); // drained at each poll instead
    }
  }
}

// ---- the poll ----

// What makes a record "changed": everything before the cookie but the counter flags.
static inline int same_key(const uint8_t *a, const uint8_t *b) {
  return memcmp(a, b, 3) == 0 && memcmp(a + 4, b + 4, KEY_SIZE - 4) == 0;
}

// How far ahead of its place in the previous dump a socket is looked for: the sockets closed since
// (and so missing from this dump) before it, within one stretch of the walk.
#define LOOKAHEAD 64

static int push_cookie(bytes *b, uint64_t cookie) {
  if (reserve(b, 8) != 0) return -1;
  put64(b->p + b->len, cookie);
  b->len += 8;
  return 0;
}

// One record of this dump against what the previous one said of the same socket (`old`: its table
// entry's record, or the same bytes in prev). Carries counters over, reports it changed or moved.
static int compare_record(reader *st, uint8_t *rec, const uint8_t *old, entry *e, uint64_t cookie) {
  // A dump without tcp_info for it (TIME_WAIT) keeps the counters last seen.
  if (!(rec[3] & R_BYTES) && (old[3] & R_BYTES)) {
    memcpy(rec + 56, old + 56, 16);
    rec[3] |= R_BYTES;
  }
  if (!(rec[3] & R_RTT) && (old[3] & R_RTT)) {
    memcpy(rec + 72, old + 72, 4);
    rec[3] |= R_RTT;
  }
  if (!same_key(rec, old)) {
    if (e == NULL && (e = table_find(st, cookie)) == NULL) return -1;
    if (reserve(&st->changed, RECORD_SIZE) != 0) return -1;
    memcpy(e->rec, rec, RECORD_SIZE);
    memcpy(st->changed.p + st->changed.len, rec, RECORD_SIZE);
    st->changed.len += RECORD_SIZE;
  } else if (rec[3] != old[3] || memcmp(rec + 56, old + 56, 20) != 0) {
    if (e == NULL && (e = table_find(st, cookie)) == NULL) return -1;
    if (reserve(&st->moved, MOVED_SIZE) != 0) return -1;
    e->rec[3] = rec[3];
    memcpy(e->rec + 56, rec + 56, 20);
    uint8_t *m = st->moved.p + st->moved.len;
    memset(m, 0, MOVED_SIZE);
    memcpy(m, rec + 48, 8);
    memcpy(m + 8, rec + 56, 20);
    m[28] = rec[3];
    st->moved.len += MOVED_SIZE;
  }
  return 0;
}

// This dump of protocol pi (staged, complete) against the previous one: added, changed and moved
// out, gone ones removed from the table; staged becomes the new previous dump.
static int diff_staged(reader *st, int pi) {
  bytes *prev = &st->prev[pi];
  const size_t np = prev->len / RECORD_SIZE;
  size_t j = 0, kept = 0;
  int out_of_step = 0;
  st->passed.len = 0;
  for (size_t off = 0; off < st->staged.len; off += RECORD_SIZE) {
    uint8_t *rec = st->staged.p + off;
    uint64_t cookie = get64(rec + 48);
    if (cookie == EMPTY || cookie == TOMB) continue;
    const uint8_t *old = NULL;
    // In step: the next socket of the previous dump, or one a little further (those between closed).
    for (size_t k = j; k < np && k <= j + LOOKAHEAD; k++) {
      if (get64(prev->p + k * RECORD_SIZE + 48) != cookie) continue;
      for (size_t g = j; g < k; g++)
        if (push_cookie(&st->passed, get64(prev->p + g * RECORD_SIZE + 48)) != 0) return -1;
      old = prev->p + k * RECORD_SIZE;
      j = k + 1;
      break;
    }
    if (old != NULL) {
      if (compare_record(st, rec, old, NULL, cookie) != 0) return -1;
    } else {
      entry *e = table_find(st, cookie);
      if (e == NULL) {
        e = table_insert(st, cookie);
        if (e == NULL || reserve(&st->added, RECORD_SIZE) != 0) return -1;
        e->gen = st->gen;
        memcpy(e->rec, rec, RECORD_SIZE);
        memcpy(st->added.p + st->added.len, rec, RECORD_SIZE);
        st->added.len += RECORD_SIZE;
      } else {
        if (e->gen == st->gen) continue; // the dump gave it twice (its hash walk resumes between messages)
        // Known, out of step: passed over above, or given twice with its first copy in step.
        e->gen = st->gen;
        out_of_step = 1;
        if (st->skipping && e->rec[2] == ST_ESTABLISHED) st->est_left++; // now CLOSE_WAIT or later
        if (compare_record(st, rec, e->rec, e, cookie) != 0) return -1;
      }
    }
    if (kept != off) memcpy(st->staged.p + kept, rec, RECORD_SIZE);
    kept += RECORD_SIZE;
  }
  st->staged.len = kept;
  for (size_t g = j; g < np; g++)
    if (push_cookie(&st->passed, get64(prev->p + g * RECORD_SIZE + 48)) != 0) return -1;
  // Passed over and not found out of step either: gone.
  for (size_t off = 0; off < st->passed.len; off += 8) {
    uint64_t cookie = get64(st->passed.p + off);
    entry *e = table_find(st, cookie);
    if (e == NULL || e->gen == st->gen) continue;
    if (reserve(&st->removed, REMOVED_SIZE) != 0) return -1;
    put64(st->removed.p + st->removed.len, cookie);
    st->removed.len += REMOVED_SIZE;
    e->cookie = TOMB;
    st->count--;
    st->tombs++;
  }
  if (out_of_step) {
    // A socket given twice, its first copy in step: keep one of each.
    kept = 0;
    for (size_t off = 0; off < st->staged.len; off += RECORD_SIZE) {
      uint8_t *rec = st->staged.p + off;
      entry *e = table_find(st, get64(rec + 48));
      if (e == NULL || e->mark == st->gen) continue;
      e->mark = st->gen;
      if (kept != off) memcpy(st->staged.p + kept, rec, RECORD_SIZE);
      kept += RECORD_SIZE;
    }
    st->staged.len = kept;
  }
  // This dump is the previous one from now on; the old buffer is next poll's scratch.
  bytes t = *prev;
  *prev = st->staged;
  st->staged = t;
  st->staged.len = 0;
  return 0;
}

// ---- skipping ESTABLISHED (see the top of this file) ----

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

// ActiveOpens, PassiveOpens and CurrEstab of this network namespace's Tcp: lines in /proc/net/snmp
// (names, then values). Kept open: a read from offset 0 makes the kernel write it anew.
static int read_mib(reader *st, uint64_t out[3]) {
  static const char *const names[3] = {"ActiveOpens", "PassiveOpens", "CurrEstab"};
  if (st->snmp_fd == -2) return -1;
  if (st->snmp_fd < 0 && (st->snmp_fd = open("/proc/net/snmp", O_RDONLY | O_CLOEXEC)) < 0) {
    st->snmp_fd = -2;
    return -1;
  }
  char buf[8192];
  ssize_t n = pread(st->snmp_fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;
  buf[n] = '\0';
  char *name = strstr(buf, "\nTcp: ");
  char *value = name == NULL ? NULL : strstr(name + 1, "\nTcp: ");
  if (value == NULL) return -1;
  name += 6;
  value += 6;
  int found = 0;
  while (*name != '\n' && *name != '\0' && *value != '\n' && *value != '\0') {
    size_t nl = strcspn(name, " \n"), vl = strcspn(value, " \n");
    for (int i = 0; i < 3; i++) {
      if (strlen(names[i]) == nl && memcmp(name, names[i], nl) == 0) {
        out[i] = (uint64_t)strtoll(value, NULL, 10);
        found |= 1 << i;
      }
    }
    name += nl;
    value += vl;
    if (*name == ' ') name++;
    if (*value == ' ') value++;
  }
  return found == 7 ? 0 : -1;
}

// Of a dump's TCP records: those that could enter ESTABLISHED with no open counted after now (SYN_SENT,
// SYN_RECV) and ESTABLISHED ones with no inode yet (in a listener's accept queue).
static uint32_t count_unsure(const bytes *b) {
  uint32_t n = 0;
  for (size_t off = 0; off < b->len; off += RECORD_SIZE) {
    const uint8_t *rec = b->p + off;
    if (rec[2] == ST_SYN_SENT || rec[2] == ST_SYN_RECV || (rec[2] == ST_ESTABLISHED && get32(rec + 44) == 0)) n++;
  }
  return n;
}

// prev[0] → its ESTABLISHED records in prev_est, the rest kept in prev[0]; both in the kernel's order.
static int split_established(reader *st) {
  bytes *all = &st->prev[0];
  st->prev_est.len = 0;
  if (reserve(&st->prev_est, all->len) != 0) return -1;
  size_t kept = 0;
  for (size_t off = 0; off < all->len; off += RECORD_SIZE) {
    uint8_t *rec = all->p + off;
    if (rec[2] == ST_ESTABLISHED) {
      memcpy(st->prev_est.p + st->prev_est.len, rec, RECORD_SIZE);
      st->prev_est.len += RECORD_SIZE;
    } else {
      if (kept != off) memcpy(all->p + kept, rec, RECORD_SIZE);
      kept += RECORD_SIZE;
    }
  }
  all->len = kept;
  st->split = 1;
  return 0;
}

// Back to one previous dump for a dump of every state: ESTABLISHED first, then the rest. The diff
// finds the few others out of step, by the table.
static int join_established(reader *st) {
  if (reserve(&st->prev_est, st->prev[0].len) != 0) return -1;
  if (st->prev[0].len > 0) memcpy(st->prev_est.p + st->prev_est.len, st->prev[0].p, st->prev[0].len);
  st->prev_est.len += st->prev[0].len;
  bytes t = st->prev[0];
  st->prev[0] = st->prev_est;
  st->prev_est = t;
  st->prev_est.len = 0;
  st->split = 0;
  return 0;
}

// After a dump without ESTABLISHED: those it found in another state are in prev[0] now.
static void drop_left_established(reader *st) {
  size_t kept = 0;
  for (size_t off = 0; off < st->prev_est.len; off += RECORD_SIZE) {
    uint8_t *rec = st->prev_est.p + off;
    entry *e = table_find(st, get64(rec + 48));
    if (e != NULL && e->gen == st->gen) continue;
    if (kept != off) memcpy(st->prev_est.p + kept, rec, RECORD_SIZE);
    kept += RECORD_SIZE;
  }
  st->prev_est.len = kept;
}

static void reader_reset_table(reader *st) {
  table_clear(st);
  st->prev[0].len = st->prev[1].len = 0;
  st->prev_est.len = 0;
  st->split = st->mib_ok = 0;
  st->unsure = 0;
  st->closed.len = 0;
  st->closed_dropped = 0;
  st->overflows = 0;
}

static void reader_free(reader *st) {
  close_fd(&st->fd);
  stop_closed(st);
  table_clear(st);
  free(st->rbuf);
  bytes_free(&st->staged);
  bytes_free(&st->added);
  bytes_free(&st->changed);
  bytes_free(&st->removed);
  bytes_free(&st->moved);
  bytes_free(&st->prev[0]);
  bytes_free(&st->prev[1]);
  bytes_free(&st->passed);
  bytes_free(&st->prev_est);
  if (st->snmp_fd >= 0) close_fd(&st->snmp_fd);
  free(st);
}

static void finalize_reader(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  reader_free(data);
}

static napi_value throw_msg(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static napi_value throw_hard(napi_env env, const hard_error *he) {
  char msg[256];
  snprintf(msg, sizeof msg, "sock_diag: %s (%s)", he->what, strerror(he->err));
  napi_value err, code, text, errno_v;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_string_utf8(env, "ERR_SOCK_DIAG", NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, text, &err);
  napi_create_int32(env, he->err, &errno_v);
  napi_set_named_property(env, err, "errno", errno_v);
  napi_throw(env, err);
  return NULL;
}

static reader *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  reader *st = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, (void **)&st) != napi_ok) return NULL;
  return st;
}

static napi_value reader_new(napi_env env, napi_callback_info info) {
  napi_value self;
  if (napi_get_cb_info(env, info, NULL, NULL, &self, NULL) != napi_ok) return throw_msg(env, "sock_diag: bad call");
  reader *st = calloc(1, sizeof *st);
  if (st == NULL) return throw_msg(env, "sock_diag: out of memory");
  st->fd = -1;
  st->dfd = -1;
  st->snmp_fd = -1;
  st->d_status = STATUS_NOT_ASKED;
  if (napi_wrap(env, self, st, finalize_reader, NULL, NULL) != napi_ok) {
    free(st);
    return throw_msg(env, "sock_diag: could not wrap the reader");
  }
  return self;
}

static napi_value reader_poll(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  reader *st = unwrap(env, info, &argc, argv);
  if (st == NULL) return throw_msg(env, "sock_diag: poll() called on something that is not a Reader");
  uint32_t flags = F_TCP | F_UDP;
  if (argc >= 1) {
    napi_valuetype vt;
    napi_typeof(env, argv[0], &vt);
    if (vt != napi_undefined && (vt != napi_number || napi_get_value_uint32(env, argv[0], &flags) != napi_ok))
      return throw_msg(env, "sock_diag: poll(flags): flags must be a number");
  }
  hard_error he = {0, NULL};
  if (st->rbuf == NULL && (st->rbuf = malloc(RECV_SIZE)) == NULL) return throw_msg(env, "sock_diag: out of memory");
  if (st->fd < 0 && open_diag_socket(&st->fd, &he) != 0) goto hard;
  if (flags & F_CLOSED) start_closed(st, env);
  else if (st->dfd >= 0) stop_closed(st);
  if (flags & F_FULL) reader_reset_table(st);
  // Destroy messages first: a connection destroyed before this dump is not in it, and its final
  // counters are reported against what the previous dump saw.
  drain_closed(st);
  // Known cookies among them: their owner is known from an earlier dump.
  for (size_t off = 0; off < st->closed.len; off += RECORD_SIZE) {
    uint8_t *rec = st->closed.p + off;
    if (table_find(st, get64(rec + 48)) != NULL) rec[3] |= R_KNOWN;
  }

  st->gen++;
  st->staged.len = st->added.len = st->changed.len = st->removed.len = st->moved.len = 0;
  uint8_t ext = (flags & F_INFO) ? (uint8_t)(1u << (INET_DIAG_INFO - 1)) : 0;
  int tcp = STATUS_NOT_ASKED, udp = STATUS_NOT_ASKED;
  int skipped = 0;
  if (flags & F_TCP) {
    // Read before the dump: a socket entering or leaving ESTABLISHED after this moves the counters
    // the next poll compares with.
    uint64_t mib[3];
    int mib_read = read_mib(st, mib) == 0;
    uint64_t now = now_ms();
    int skip = !(flags & (F_INFO | F_EVERY_STATE)) && mib_read && st->mib_ok && memcmp(mib, st->mib, sizeof mib) == 0 && st->unsure == 0 &&
               now - st->full_at < FULL_EVERY_MS;
    if (skip && !st->split && split_established(st) != 0) goto oom;
    if (!skip && st->split && join_established(st) != 0) goto oom;
    st->mib_ok = 0;
    st->skipping = skip;
    st->est_left = 0;
    tcp = dump_tcp(st, skip ? TCP_STATES_MASK & ~(1u << ST_ESTABLISHED) : TCP_STATES_MASK, ext, (flags & F_PER_FAMILY) != 0, &he);
    if (tcp > 0) goto hard;
    if (tcp == 0) {
      if (diff_staged(st, 0) != 0) goto oom;
      if (st->est_left > 0) drop_left_established(st);
      if (!skip) st->full_at = now;
      // While split, prev_est holds no unsure socket: the dump that left it had none.
      st->unsure = count_unsure(&st->prev[0]);
      memcpy(st->mib, mib, sizeof mib);
      st->mib_ok = mib_read;
      skipped = skip;
    }
    st->skipping = 0;
  }
  if (flags & F_UDP) {
    st->staged.len = 0;
    udp = dump_pair(st, IPPROTO_UDP, UDP_STATES_MASK, 0, &he);
    if (udp > 0) goto hard;
    if (udp == 0 && diff_staged(st, 1) != 0) goto oom;
  }
  if (st->tombs > st->cap / 4 && table_resize(st, st->cap) != 0) goto oom;

  {
    size_t total = HEADER_SIZE + st->added.len + st->changed.len + st->removed.len + st->moved.len + st->closed.len;
    void *data;
    napi_value result;
    if (napi_create_buffer(env, total, &data, &result) != napi_ok) goto oom;
    uint8_t *o = data;
    memset(o, 0, HEADER_SIZE);
    put32(o, (uint32_t)(st->added.len / RECORD_SIZE));
    put32(o + 4, (uint32_t)(st->changed.len / RECORD_SIZE));
    put32(o + 8, (uint32_t)(st->removed.len / REMOVED_SIZE));
    put32(o + 12, (uint32_t)(st->moved.len / MOVED_SIZE));
    put32(o + 16, (uint32_t)(st->closed.len / RECORD_SIZE));
    put32(o + 20, (uint32_t)tcp);
    put32(o + 24, (uint32_t)udp);
    put32(o + 28, st->count);
    put32(o + 32, (uint32_t)st->d_status);
    put32(o + 36, st->closed_dropped);
    put32(o + 40, st->overflows);
    put32(o + 44, (uint32_t)skipped);
    size_t p = HEADER_SIZE;
    bytes *parts[] = {&st->added, &st->changed, &st->removed, &st->moved, &st->closed};
    for (size_t i = 0; i < 5; i++) {
      if (parts[i]->len > 0) memcpy(o + p, parts[i]->p, parts[i]->len);
      p += parts[i]->len;
    }
    st->closed.len = 0;
    st->closed_dropped = 0;
    st->overflows = 0;
    // A burst can grow the scratch buffers a lot; do not hold on to that forever.
    bytes *scratch[] = {&st->staged, &st->added, &st->changed, &st->removed, &st->moved, &st->closed, &st->passed};
    for (size_t i = 0; i < 7; i++)
      if (scratch[i]->cap > (size_t)64 * 1024 * 1024) bytes_free(scratch[i]);
    return result;
  }

oom:
  he.err = ENOMEM;
  he.what = "out of memory";
hard:
  // The socket may be mid-dump and the table half-updated: start over with a new one next time.
  close_fd(&st->fd);
  reader_reset_table(st);
  return throw_hard(env, &he);
}

static napi_value reader_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  reader *st = unwrap(env, info, &argc, NULL);
  if (st == NULL) return throw_msg(env, "sock_diag: close() called on something that is not a Reader");
  close_fd(&st->fd);
  stop_closed(st);
  reader_reset_table(st);
  if (st->snmp_fd >= 0) close_fd(&st->snmp_fd);
  return NULL;
}

// ---- one socket: exact lookup, SOCK_DESTROY ----

typedef struct {
  int family;
  uint8_t local[16], remote[16];
  uint32_t lport, rport;
  uint8_t cookie[8];
  int has_cookie;
} target;

static int read_target(napi_env env, napi_value *argv, size_t argc, target *t, int want_cookie) {
  if (argc < (size_t)(want_cookie ? 6 : 5)) return -1;
  uint32_t family;
  if (napi_get_value_uint32(env, argv[0], &family) != napi_ok || (family != 4 && family != 6)) return -1;
  t->family = family == 4 ? AF_INET : AF_INET6;
  napi_value addrs[2] = {argv[1], argv[3]};
  uint8_t *dst[2] = {t->local, t->remote};
  for (int i = 0; i < 2; i++) {
    bool is_buf = false;
    void *data;
    size_t len;
    napi_is_buffer(env, addrs[i], &is_buf);
    if (!is_buf || napi_get_buffer_info(env, addrs[i], &data, &len) != napi_ok || len != 16) return -1;
    memcpy(dst[i], data, 16);
  }
  if (napi_get_value_uint32(env, argv[2], &t->lport) != napi_ok || t->lport > 65535) return -1;
  if (napi_get_value_uint32(env, argv[4], &t->rport) != napi_ok || t->rport > 65535) return -1;
  t->has_cookie = 0;
  if (want_cookie) {
    bool is_buf = false;
    void *data;
    size_t len;
    napi_is_buffer(env, argv[5], &is_buf);
    if (!is_buf || napi_get_buffer_info(env, argv[5], &data, &len) != napi_ok || len != 8) return -1;
    memcpy(t->cookie, data, 8);
    t->has_cookie = 1;
  }
  return 0;
}

static void fill_req(struct inet_diag_req_v2 *req, const target *t) {
  memset(req, 0, sizeof *req);
  req->sdiag_family = (uint8_t)t->family;
  req->sdiag_protocol = IPPROTO_TCP;
  req->idiag_states = TCP_STATES_MASK;
  req->id.idiag_sport = htons((uint16_t)t->lport);
  req->id.idiag_dport = htons((uint16_t)t->rport);
  size_t alen = t->family == AF_INET ? 4 : 16;
  memcpy(req->id.idiag_src, t->local, alen);
  memcpy(req->id.idiag_dst, t->remote, alen);
  if (t->has_cookie) {
    memcpy(&req->id.idiag_cookie[0], t->cookie, 4);
    memcpy(&req->id.idiag_cookie[1], t->cookie + 4, 4);
  } else {
    req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  }
}

static int keep_one(void *ctx, uint8_t protocol, const struct nlmsghdr *h) {
  uint8_t *rec = ctx;
  if (!to_record(rec, protocol, h)) rec[0] = 0;
  return 0;
}

// A one-off reader for query()/destroy(): its own socket, closed after.
static napi_value one_socket(napi_env env, napi_callback_info info, int destroy) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return throw_msg(env, "sock_diag: bad call");
  target t;
  if (read_target(env, argv, argc, &t, destroy) != 0)
    return throw_msg(env, destroy ? "sock_diag.destroy(family, local16, localPort, remote16, remotePort, cookie8): bad arguments"
                                  : "sock_diag.query(family, local16, localPort, remote16, remotePort): bad arguments");
  reader st;
  memset(&st, 0, sizeof st);
  st.fd = -1;
  hard_error he = {0, NULL};
  st.rbuf = malloc(RECV_SIZE);
  if (st.rbuf == NULL) return throw_msg(env, "sock_diag: out of memory");
  if (open_diag_socket(&st.fd, &he) != 0) {
    free(st.rbuf);
    return throw_hard(env, &he);
  }
  struct inet_diag_req_v2 req;
  fill_req(&req, &t);
  uint8_t rec[RECORD_SIZE];
  memset(rec, 0, sizeof rec);
  int r;
  if (destroy) {
    r = run_request(&st, SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, &req, sizeof req, IPPROTO_TCP, keep_one, rec, &he);
  } else {
    req.idiag_ext = (uint8_t)(1u << (INET_DIAG_INFO - 1));
    r = run_request(&st, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, &req, sizeof req, IPPROTO_TCP, keep_one, rec, &he);
  }
  close(st.fd);
  free(st.rbuf);
  if (r > 0) return throw_hard(env, &he);
  napi_value result;
  if (r < 0 || destroy || rec[0] == 0) {
    napi_create_int32(env, r < 0 ? r : (destroy ? 0 : -ENOENT), &result);
    return result;
  }
  void *data;
  if (napi_create_buffer_copy(env, RECORD_SIZE, rec, &data, &result) != napi_ok) return throw_msg(env, "sock_diag: out of memory");
  return result;
}

static napi_value query_fn(napi_env env, napi_callback_info info) { return one_socket(env, info, 0); }
static napi_value destroy_fn(napi_env env, napi_callback_info info) { return one_socket(env, info, 1); }

// ---- /proc/PID/fd ----

static napi_value fd_sockets(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2)
    return throw_msg(env, "sock_diag.fdSockets(fdDir, out): two arguments expected");
  char path[256];
  size_t path_len = 0;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_len) != napi_ok || path_len == 0 ||
      path_len >= sizeof path - 1)
    return throw_msg(env, "sock_diag.fdSockets(fdDir, out): fdDir must be a short path");
  napi_typedarray_type tt;
  size_t length;
  void *data;
  bool is_ta = false;
  napi_is_typedarray(env, argv[1], &is_ta);
  if (!is_ta || napi_get_typedarray_info(env, argv[1], &tt, &length, &data, NULL, NULL) != napi_ok ||
      tt != napi_uint32_array)
    return throw_msg(env, "sock_diag.fdSockets(fdDir, out): out must be a Uint32Array");
  uint32_t *out = data;
  size_t capacity = length / 2;
  napi_value result;
  DIR *dir = opendir(path);
  if (dir == NULL) {
    napi_create_int32(env, -errno, &result);
    return result;
  }
  int dfd = dirfd(dir);
  size_t count = 0;
  struct dirent *e;
  char link[64];
  while ((e = readdir(dir)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    /* Out of room: only count, so the caller can grow `out` and read again. A readlink here would
       be thrown away (a cold poll of a process holding 10,000 sockets read every link twice). */
    if (count >= capacity) {
      count++;
      continue;
    }
    uint32_t fd = (uint32_t)strtoul(e->d_name, NULL, 10);
    uint32_t inode = 0;
    ssize_t n = readlinkat(dfd, e->d_name, link, sizeof link - 1);
    if (n < 0) continue; /* closed between readdir and readlink */
    link[n] = 0;
    if (n > 9 && memcmp(link, "socket:[", 8) == 0) inode = (uint32_t)strtoul(link + 8, NULL, 10);
    out[count * 2] = fd;
    out[count * 2 + 1] = inode;
    count++;
  }
  closedir(dir);
  napi_create_int32(env, (int32_t)count, &result);
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor methods[] = {
      {"poll", NULL, reader_poll, NULL, NULL, NULL, napi_default_method, NULL},
      {"close", NULL, reader_close, NULL, NULL, NULL, napi_default_method, NULL},
  };
  napi_value cls;
  if (napi_define_class(env, "Reader", NAPI_AUTO_LENGTH, reader_new, NULL, 2, methods, &cls) != napi_ok) return NULL;
  napi_property_descriptor props[] = {
      {"Reader", NULL, NULL, NULL, NULL, cls, napi_enumerable, NULL},
      {"query", NULL, query_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"destroy", NULL, destroy_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fdSockets", NULL, fd_sockets, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, 4, props) != napi_ok) return NULL;
  napi_value v;
  const struct {
    const char *name;
    uint32_t value;
  } consts[] = {{"RECORD_SIZE", RECORD_SIZE}, {"HEADER_SIZE", HEADER_SIZE}, {"MOVED_SIZE", MOVED_SIZE}, {"REMOVED_SIZE", REMOVED_SIZE}};
  for (size_t i = 0; i < sizeof consts / sizeof consts[0]; i++) {
    napi_create_uint32(env, consts[i].value, &v);
    napi_set_named_property(env, exports, consts[i].name, v);
  }
  return exports;
}
