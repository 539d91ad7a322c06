// peer_cred: who is at the other end of a connected Unix domain socket, as the kernel recorded it at
// connect() time (it cannot be forged by the peer, unlike anything it sends). The agent decides read-only
// or full access from it (src/core/peer-credentials.ts).
//
// JS API:
//   peerCredentials(fd: number): number[] | number
//     [pid, uid, gid, ...supplementary gids] of the peer, or -errno when the kernel will not say.
//     Linux: SO_PEERCRED (pid, uid, primary gid) and SO_PEERGROUPS (4.13+; without it, no extra gids).
//     macOS and the BSDs: getpeereid() (pid -1, no extra gids).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <node_api.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_GROUPS 1024

static napi_value result_errno(napi_env env, int err) {
  napi_value v;
  napi_create_int32(env, -err, &v);
  return v;
}

static napi_value peer_credentials(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, "peerCredentials(fd) needs a file descriptor");
    return NULL;
  }
  int32_t fd;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "peerCredentials(fd) needs a file descriptor");
    return NULL;
  }
  int32_t head[3];
  gid_t groups[MAX_GROUPS];
  int ngroups = 0;
#if defined(__linux__)
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return result_errno(env, errno);
  head[0] = (int32_t)cred.pid;
  head[1] = (int32_t)cred.uid;
  head[2] = (int32_t)cred.gid;
#ifdef SO_PEERGROUPS
  socklen_t glen = sizeof groups;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0) ngroups = (int)(glen / sizeof(gid_t));
#endif
#else
  uid_t uid;
  gid_t gid;
  if (getpeereid(fd, &uid, &gid) != 0) return result_errno(env, errno);
  head[0] = -1;
  head[1] = (int32_t)uid;
  head[2] = (int32_t)gid;
#endif
  napi_value out;
  napi_create_array_with_length(env, 3 + (size_t)ngroups, &out);
  napi_value v;
  for (uint32_t i = 0; i < 3; i++) {
    napi_create_int32(env, head[i], &v);
    napi_set_element(env, out, i, v);
  }
  for (int i = 0; i < ngroups; i++) {
    napi_create_uint32(env, (uint32_t)groups[i], &v);
    napi_set_element(env, out, 3 + (uint32_t)i, v);
  }
  return out;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"peerCredentials", NULL, peer_credentials, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, 1, props) != napi_ok) return NULL;
  return exports;
}
