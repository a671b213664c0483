/*
 * udp-sink: the native ceiling probe of the ClusterTap ingest benchmark.
 *
 * Does what a native (N-API) VXLAN receive path would do, in plain C: recvmmsg() batches from
 * one UDP socket, check the VXLAN I flag, and (with -w FILE) append each inner frame as a
 * pcapng Enhanced Packet Block to a 1 MiB buffer that is written out with write(2) when full.
 * Without -w it only counts. It is not a capture tool: it answers "how fast could the broker
 * be if the per-datagram work were done in native code?" on the same machine and pinning.
 *
 * With -n it never reads: the port is open, so the kernel drops datagrams at the full socket
 * instead of answering each with an ICMP port unreachable. The benchmark runs it next to tcpdump,
 * so the generator's CPU does the same kind of work as when the broker listens.
 *
 * Build: gcc -O2 -Wall -o udp-sink udp-sink.c
 * Usage: udp-sink [-p PORT] [-b RCVBUF_BYTES] [-w FILE | -n]
 * Runs until SIGINT/SIGTERM, then prints one JSON line with its counters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_DATAGRAM 9216
#define CHUNK (1 << 20)
#define VXLAN_HEADER 8

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) { (void)sig; stopping = 1; }

struct output {
  int fd;
  uint8_t *chunk;
  size_t used;
  uint64_t bytes;
};

static void flush_output(struct output *out) {
  size_t done = 0;
  while (done < out->used) {
    ssize_t n = write(out->fd, out->chunk + done, out->used - done);
    if (n < 0) { if (errno == EINTR) continue; perror("write"); exit(1); }
    done += (size_t)n;
  }
  out->bytes += out->used;
  out->used = 0;
}

static void append(struct output *out, const void *bytes, size_t length) {
  if (out->used + length > CHUNK) flush_output(out);
  memcpy(out->chunk + out->used, bytes, length);
  out->used += length;
}

static void put32(uint8_t *at, uint32_t v) { memcpy(at, &v, 4); } /* host order, as pcapng allows */

/* Section header + one Ethernet interface: the minimum a reader needs before the packets. */
static void write_headers(struct output *out) {
  uint8_t shb[28] = {0}, idb[20] = {0};
  put32(shb, 0x0a0d0d0a); put32(shb + 4, 28); put32(shb + 8, 0x1a2b3c4d);
  shb[12] = 1; /* version 1.0 */
  memset(shb + 16, 0xff, 8); /* section length unknown */
  put32(shb + 24, 28);
  put32(idb, 1); put32(idb + 4, 20); idb[8] = 1; /* LINKTYPE_ETHERNET */
  put32(idb + 16, 20);
  append(out, shb, sizeof shb);
  append(out, idb, sizeof idb);
}

static void write_packet(struct output *out, const uint8_t *frame, uint32_t length, uint64_t micros) {
  uint32_t padded = (length + 3) & ~3u, total = 32 + padded;
  if (out->used + total > CHUNK) flush_output(out);
  uint8_t *at = out->chunk + out->used;
  put32(at, 6); put32(at + 4, total); put32(at + 8, 0);
  put32(at + 12, (uint32_t)(micros >> 32)); put32(at + 16, (uint32_t)micros);
  put32(at + 20, length); put32(at + 24, length);
  memcpy(at + 28, frame, length);
  memset(at + 28 + length, 0, padded - length);
  put32(at + 28 + padded, total);
  out->used += total;
}

static uint64_t now_micros(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int main(int argc, char **argv) {
  int port = 4789, rcvbuf = 32 << 20, c;
  const char *file = NULL;
  int never_read = 0;
  while ((c = getopt(argc, argv, "p:b:w:n")) != -1) {
    if (c == 'p') port = atoi(optarg);
    else if (c == 'b') rcvbuf = atoi(optarg);
    else if (c == 'w') file = optarg;
    else if (c == 'n') never_read = 1;
    else { fprintf(stderr, "usage: udp-sink [-p PORT] [-b RCVBUF] [-w FILE | -n]\n"); return 2; }
  }
  /* No SA_RESTART: a signal must interrupt the blocking recvmmsg. */
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) { perror("bind"); return 1; }
  if (never_read) {
    while (!stopping) pause();
    return 0;
  }

  struct output out = {.fd = -1};
  if (file) {
    out.fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out.fd < 0) { perror(file); return 1; }
    out.chunk = malloc(CHUNK);
    write_headers(&out);
  }

  static uint8_t buffers[BATCH][MAX_DATAGRAM];
  static struct iovec iov[BATCH];
  static struct mmsghdr msgs[BATCH];
  static struct sockaddr_in peers[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i] = (struct iovec){.iov_base = buffers[i], .iov_len = MAX_DATAGRAM};
    msgs[i].msg_hdr = (struct msghdr){.msg_name = &peers[i], .msg_namelen = sizeof peers[i], .msg_iov = &iov[i], .msg_iovlen = 1};
  }

  uint64_t received = 0, written = 0, bad = 0, calls = 0;
  while (!stopping) {
    int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
    if (n < 0) { if (errno == EINTR) continue; perror("recvmmsg"); return 1; }
    calls++;
    uint64_t micros = out.fd >= 0 ? now_micros() : 0; /* one timestamp per batch, as a batch API would */
    for (int i = 0; i < n; i++) {
      uint32_t length = msgs[i].msg_len;
      received++;
      if (length < VXLAN_HEADER || !(buffers[i][0] & 0x08)) { bad++; continue; }
      if (out.fd >= 0) write_packet(&out, buffers[i] + VXLAN_HEADER, length - VXLAN_HEADER, micros);
      written++;
      msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
    }
  }
  if (out.fd >= 0) { flush_output(&out); close(out.fd); }
  printf("{\"received\":%llu,\"written\":%llu,\"badVxlan\":%llu,\"recvmmsgCalls\":%llu,\"bytes\":%llu}\n",
         (unsigned long long)received, (unsigned long long)written, (unsigned long long)bad,
         (unsigned long long)calls, (unsigned long long)out.bytes);
  return 0;
}
