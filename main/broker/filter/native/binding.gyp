{
  "targets": [
    {
      "target_name": "bpf_compile",
      "sources": ["bpf_compile.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror", "-std=gnu11", "-fstack-protector-strong", "-D_FORTIFY_SOURCE=2"],
      "libraries": ["-lpcap"]
    }
  ]
}
