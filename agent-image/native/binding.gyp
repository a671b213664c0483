{
  "targets": [
    {
      "target_name": "pcap_capture",
      "sources": ["pcap_capture.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror", "-std=gnu11", "-fstack-protector-strong", "-D_FORTIFY_SOURCE=2"],
      "libraries": ["-lpcap"]
    }
  ]
}
