{
  "targets": [
    {
      "target_name": "sock_diag",
      "sources": ["sock_diag.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-fvisibility=hidden"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    },
    {
      "target_name": "peer_cred",
      "sources": ["peer_cred.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-fvisibility=hidden"],
      "conditions": [["OS=='win'", {"type": "none"}]]
    }
  ]
}
