{
  "targets": [
    {
      "target_name": "udp_batch",
      "sources": ["udp_batch.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror", "-std=gnu11", "-fstack-protector-strong", "-D_FORTIFY_SOURCE=2"],
      "conditions": [["OS!='linux'", { "type": "none" }]]
    }
  ]
}
