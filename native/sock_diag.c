// sock_diag: dumps the machine's TCP and UDP sockets through NETLINK_SOCK_DIAG (inet_diag), the
// interface `ss` uses, instead of /proc/net/{tcp,tcp6,udp,udp6}.
//
// JS API (see src/core/sources/netlink.ts):
//   dump(out: Uint8Array, what?: number): number
//     what: bit 0 = TCP, bit 1 = UDP (default 3); bit 2 asks TCP per family (AF_INET, then AF_INET6)
//     even where the single AF_UNSPEC walk works (for tests). Fills `out` with a 16-byte header and then one
//     48-byte record per socket, and returns the number of records written.
//     Header (u32/i32 little-endian):
//       0  records written
//       4  records the kernel sent (> written when `out` was too small: grow it and call again)
//       8  TCP status: 0, 1 when not asked for, or -errno the kernel answered (its records are dropped)
//       12 UDP status: the same; -ENOENT when udp_diag is not available
//     Record (48 bytes, little-endian):
//       0 protocol u8 (6 | 17)   1 family u8 (4 | 6)   2 state u8 (kernel TCP state number)   3 pad
//       4 local port u16   6 remote port u16   8 local address [16]   24 remote address [16]
//       40 uid u32   44 inode u32
//     IPv4 addresses fill the first 4 bytes of their 16, the rest are zero.
//     Throws an Error (never crashes) when the netlink socket cannot be opened or used: code
//     'ERR_SOCK_DIAG', errno set; the socket is then closed and the next call opens a new one.
//   close(): undefined — closes the netlink socket kept open between dumps (reopened on demand).
//   fdSockets(fdDir: string, out: Uint32Array): number
//     Reads every link in a /proc/PID/fd directory (readlinkat against the open directory, so the
//     kernel does not walk /proc/PID again per fd) and writes (fd, socket inode or 0) pairs into
//     `out`. Returns the number of fds (> out.length / 2 means `out` was too small: grow it, call
//     again), or -errno when the directory cannot be opened (-EACCES, -ENOENT). This is the cold
//     walk ss does; doing it here saves the per-fd cost of a JS call, a path string and a result string.
//
// The socket stays open between calls: the kernel sizes a dump's messages from the largest buffer
// a socket has read with (up to 32 KiB), so a fresh socket would start every dump with 4 KiB ones.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <node_api.h>

#define HEADER_SIZE 16
#define RECORD_SIZE 48
#define RECV_SIZE (64 * 1024)
// Every kernel TCP state, 1 (ESTABLISHED) to 12 (NEW_SYN_RECV), as /proc/net/tcp lists them. Bit 13
// (TCP_BOUND_INACTIVE, Linux 6.8+) is left out: bound-only sockets are not in /proc/net/tcp.
#define TCP_STATES_MASK 0x1ffeu
#define UDP_STATES_MASK 0xffffffffu
#define STATUS_NOT_ASKED 1

typedef struct {
  int fd;
  uint32_t seq;
  // TCP through the legacy TCPDIAG_GETSOCK request, which the kernel runs with family AF_UNSPEC:
  // one walk of the TCP hash tables for IPv4 and IPv6 instead of two. 0 untried, 1 works, -1 refused.
  int tcp_unspec;
  char *rbuf;
} diag_state;

typedef struct {
  uint8_t *out;
  uint32_t capacity; // records that fit in out
  uint32_t written;
  uint32_t seen;
} sink;

// A failure of the socket itself (not an answer of the kernel): reported as a JS Error.
typedef struct {
  int err;
  const char *what;
} hard_error;

static void close_state(diag_state *st) {
  if (st->fd >= 0) close(st->fd);
  st->fd = -1;
}

static void finalize_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  diag_state *st = data;
  close_state(st);
  free(st->rbuf);
  free(st);
}

static int open_socket(diag_state *st, hard_error *he) {
  if (st->fd >= 0) return 0;
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
  st->fd = fd;
  return 0;
}

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

static void pack(sink *s, uint8_t protocol, const struct inet_diag_msg *m) {
  uint8_t family;
  size_t alen;
  if (m->idiag_family == AF_INET) {
    family = 4;
    alen = 4;
  } else if (m->idiag_family == AF_INET6) {
    family = 6;
    alen = 16;
  } else {
    return;
  }
  s->seen++;
  if (s->written >= s->capacity) return;
  uint8_t *r = s->out + HEADER_SIZE + (size_t)s->written * RECORD_SIZE;
  memset(r, 0, RECORD_SIZE);
  r[0] = protocol;
  r[1] = family;
  r[2] = m->idiag_state;
  put16(r + 4, ntohs(m->id.idiag_sport));
  put16(r + 6, ntohs(m->id.idiag_dport));
  memcpy(r + 8, m->id.idiag_src, alen);
  memcpy(r + 24, m->id.idiag_dst, alen);
  put32(r + 40, m->idiag_uid);
  put32(r + 44, m->idiag_inode);
  s->written++;
}

// Sends one dump request and reads its answer into the sink. Returns 0 when done, -errno when the
// kernel refused or aborted the dump (its records are then rolled back), 1 on a hard failure (he).
static int run_dump(diag_state *st, uint16_t type, const void *req, size_t req_len, uint8_t protocol, sink *s,
                    hard_error *he) {
  struct {
    struct nlmsghdr nlh;
    union {
      struct inet_diag_req legacy;
      struct inet_diag_req_v2 v2;
    } body;
  } msg;
  memset(&msg, 0, sizeof msg);
  uint32_t seq = ++st->seq;
  msg.nlh.nlmsg_len = NLMSG_LENGTH(req_len);
  msg.nlh.nlmsg_type = type;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.nlh.nlmsg_seq = seq;
  memcpy(&msg.body, req, req_len);

  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  for (;;) {
    ssize_t n = sendto(st->fd, &msg, msg.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    he->err = errno;
    he->what = "sendto(NETLINK_SOCK_DIAG) failed";
    return 1;
  }

  uint32_t start_written = s->written;
  uint32_t start_seen = s->seen;
  int status = 0;
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
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
          int err;
          memcpy(&err, NLMSG_DATA(h), sizeof err);
          if (err < 0) status = err;
        }
        goto done;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
          he->err = EPROTO;
          he->what = "short NLMSG_ERROR from NETLINK_SOCK_DIAG";
          return 1;
        }
        const struct nlmsgerr *e = NLMSG_DATA(h);
        if (e->error == 0) continue; // an acknowledgement
        // An error answers the request as a whole: nothing else follows it.
        status = e->error;
        goto done;
      }
      if (h->nlmsg_type != type) continue;
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
        he->err = EPROTO;
        he->what = "short inet_diag_msg from NETLINK_SOCK_DIAG";
        return 1;
      }
      pack(s, protocol, NLMSG_DATA(h));
    }
    if (len != 0) {
      he->err = EPROTO;
      he->what = "malformed message from NETLINK_SOCK_DIAG";
      return 1;
    }
  }
done:
  if (status < 0) {
    s->written = start_written;
    s->seen = start_seen;
  }
  return status;
}

static int dump_v2(diag_state *st, uint8_t family, uint8_t protocol, uint32_t states, sink *s, hard_error *he) {
  struct inet_diag_req_v2 req;
  memset(&req, 0, sizeof req);
  req.sdiag_family = family;
  req.sdiag_protocol = protocol;
  req.idiag_states = states;
  return run_dump(st, SOCK_DIAG_BY_FAMILY, &req, sizeof req, protocol, s, he);
}

static int dump_pair(diag_state *st, uint8_t protocol, uint32_t states, sink *s, hard_error *he) {
  uint32_t w = s->written, n = s->seen;
  int r = dump_v2(st, AF_INET, protocol, states, s, he);
  if (r == 0) r = dump_v2(st, AF_INET6, protocol, states, s, he);
  if (r < 0) {
    s->written = w;
    s->seen = n;
  }
  return r;
}

static int dump_tcp(diag_state *st, sink *s, hard_error *he, int per_family) {
  if (st->tcp_unspec >= 0 && !per_family) {
    struct inet_diag_req req;
    memset(&req, 0, sizeof req);
    req.idiag_family = AF_UNSPEC;
    req.idiag_states = TCP_STATES_MASK;
    int r = run_dump(st, TCPDIAG_GETSOCK, &req, sizeof req, IPPROTO_TCP, s, he);
    if (r == 0) {
      st->tcp_unspec = 1;
      return 0;
    }
    if (r > 0 || st->tcp_unspec == 1) return r;
    st->tcp_unspec = -1; // this kernel has no legacy request: ask per family from now on
  }
  return dump_pair(st, IPPROTO_TCP, TCP_STATES_MASK, s, he);
}

static napi_value throw_msg(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static napi_value dump(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  diag_state *st;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return throw_msg(env, "sock_diag: bad call");
  if (napi_get_instance_data(env, (void **)&st) != napi_ok || st == NULL) return throw_msg(env, "sock_diag: not initialised");
  if (argc < 1) return throw_msg(env, "sock_diag.dump(out): out must be a Uint8Array");
  bool is_ta = false;
  napi_is_typedarray(env, argv[0], &is_ta);
  if (!is_ta) return throw_msg(env, "sock_diag.dump(out): out must be a Uint8Array");
  napi_typedarray_type tt;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, argv[0], &tt, &length, &data, NULL, NULL) != napi_ok || tt != napi_uint8_array)
    return throw_msg(env, "sock_diag.dump(out): out must be a Uint8Array");
  if (length < HEADER_SIZE) return throw_msg(env, "sock_diag.dump(out): out must hold at least 16 bytes");
  uint32_t what = 3;
  if (argc >= 2) {
    napi_valuetype vt;
    napi_typeof(env, argv[1], &vt);
    if (vt != napi_undefined && (vt != napi_number || napi_get_value_uint32(env, argv[1], &what) != napi_ok))
      return throw_msg(env, "sock_diag.dump(out, what): what must be a number");
  }

  hard_error he = {0, NULL};
  if (st->rbuf == NULL && (st->rbuf = malloc(RECV_SIZE)) == NULL) return throw_msg(env, "sock_diag: out of memory");
  if (open_socket(st, &he) != 0) goto hard;

  sink s = {.out = data, .capacity = (uint32_t)((length - HEADER_SIZE) / RECORD_SIZE), .written = 0, .seen = 0};
  int tcp = STATUS_NOT_ASKED, udp = STATUS_NOT_ASKED;
  if (what & 1) {
    tcp = dump_tcp(st, &s, &he, (what & 4) != 0);
    if (tcp > 0) goto hard;
  }
  if (what & 2) {
    udp = dump_pair(st, IPPROTO_UDP, UDP_STATES_MASK, &s, &he);
    if (udp > 0) goto hard;
  }
  uint8_t *h = data;
  put32(h, s.written);
  put32(h + 4, s.seen);
  put32(h + 8, (uint32_t)tcp);
  put32(h + 12, (uint32_t)udp);
  napi_value result;
  napi_create_uint32(env, s.written, &result);
  return result;

hard:
  // The socket may be mid-dump: start over with a new one next time.
  close_state(st);
  char msg[256];
  snprintf(msg, sizeof msg, "sock_diag: %s (%s)", he.what, strerror(he.err));
  napi_value err, code, text;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_string_utf8(env, "ERR_SOCK_DIAG", NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, text, &err);
  napi_value errno_v;
  napi_create_int32(env, he.err, &errno_v);
  napi_set_named_property(env, err, "errno", errno_v);
  napi_throw(env, err);
  return NULL;
}

static napi_value close_fn(napi_env env, napi_callback_info info) {
  (void)info;
  diag_state *st;
  if (napi_get_instance_data(env, (void **)&st) == napi_ok && st != NULL) close_state(st);
  return NULL;
}

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
    uint32_t fd = (uint32_t)strtoul(e->d_name, NULL, 10);
    uint32_t inode = 0;
    ssize_t n = readlinkat(dfd, e->d_name, link, sizeof link - 1);
    if (n < 0) continue; /* closed between readdir and readlink */
    link[n] = 0;
    if (n > 9 && memcmp(link, "socket:[", 8) == 0) inode = (uint32_t)strtoul(link + 8, NULL, 10);
    if (count < capacity) {
      out[count * 2] = fd;
      out[count * 2 + 1] = inode;
    }
    count++;
  }
  closedir(dir);
  napi_create_int32(env, (int32_t)count, &result);
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  diag_state *st = calloc(1, sizeof *st);
  if (st == NULL) {
    napi_throw_error(env, NULL, "sock_diag: out of memory");
    return NULL;
  }
  st->fd = -1;
  if (napi_set_instance_data(env, st, finalize_state, NULL) != napi_ok) {
    free(st);
    napi_throw_error(env, NULL, "sock_diag: could not set instance data");
    return NULL;
  }
  napi_property_descriptor props[] = {
      {"dump", NULL, dump, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fdSockets", NULL, fd_sockets, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, 3, props) != napi_ok) return NULL;
  napi_value v;
  napi_create_uint32(env, RECORD_SIZE, &v);
  napi_set_named_property(env, exports, "RECORD_SIZE", v);
  napi_create_uint32(env, HEADER_SIZE, &v);
  napi_set_named_property(env, exports, "HEADER_SIZE", v);
  return exports;
}
