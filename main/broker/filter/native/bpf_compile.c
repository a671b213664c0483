/*
 * bpf_compile: compile a tcpdump/libpcap filter expression to classic BPF with libpcap itself.
 *
 * Why native: "same verdicts as libpcap" is only reachable with libpcap's own grammar, code
 * generator and optimizer; a re-implementation would drift. Matching runs in TypeScript
 * (main/broker/filter/bpf-vm.ts), so this file never sees packet bytes: it turns a string into
 * an array of instructions and nothing else.
 */
#include <node_api.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* pcap files name link types by LINKTYPE_ value; pcap_open_dead wants the DLT_ value. They
 * differ for raw IP only among those the broker produces (LINKTYPE_RAW 101, DLT_RAW 12 on
 * Linux), which is the mapping libpcap applies itself when it opens a file. */
#define LINKTYPE_RAW 101

/* Far beyond any expression a person types; bounds the copy of a hostile string. */
#define MAX_EXPRESSION 65536

#define CHECK(env, call)                                                      \
  do {                                                                        \
    if ((call) != napi_ok) {                                                  \
      napi_throw_error((env), NULL, "bpf_compile: N-API call failed: " #call); \
      return NULL;                                                            \
    }                                                                         \
  } while (0)

/*
 * compile(linkType, snapLength, expression, optimize) → Uint32Array of 4 words per instruction
 * (code, jt, jf, k). Throws an Error whose message is pcap_geterr()'s text, unchanged.
 */
static napi_value compile(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 4) {
    napi_throw_type_error(env, NULL, "bpf_compile.compile: expected 4 arguments");
    return NULL;
  }
  int32_t link_type, snap_length;
  bool optimize;
  size_t length;
  CHECK(env, napi_get_value_int32(env, argv[0], &link_type));
  CHECK(env, napi_get_value_int32(env, argv[1], &snap_length));
  CHECK(env, napi_get_value_bool(env, argv[3], &optimize));
  CHECK(env, napi_get_value_string_utf8(env, argv[2], NULL, 0, &length));
  if (length > MAX_EXPRESSION) {
    napi_throw_range_error(env, NULL, "bpf_compile.compile: expression is too long");
    return NULL;
  }
  char *expression = malloc(length + 1);
  if (expression == NULL) {
    napi_throw_error(env, NULL, "bpf_compile.compile: out of memory");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, argv[2], expression, length + 1, &length) != napi_ok) {
    free(expression);
    napi_throw_error(env, NULL, "bpf_compile.compile: cannot read the expression");
    return NULL;
  }

  pcap_t *handle = pcap_open_dead(link_type == LINKTYPE_RAW ? DLT_RAW : link_type, snap_length);
  if (handle == NULL) {
    free(expression);
    napi_throw_error(env, NULL, "bpf_compile.compile: pcap_open_dead failed");
    return NULL;
  }
  struct bpf_program program;
  /* Netmask 0, as tcpdump uses when reading a file: `ip broadcast` then means 0.0.0.0 and
     255.255.255.255, the same verdicts tcpdump -r gives. */
  int rc = pcap_compile(handle, &program, expression, optimize ? 1 : 0, 0);
  free(expression);
  if (rc != 0) {
    /* pcap_geterr's buffer belongs to the handle: throw before closing it. */
    napi_throw_error(env, NULL, pcap_geterr(handle));
    pcap_close(handle);
    return NULL;
  }

  size_t words = (size_t)program.bf_len * 4;
  napi_value buffer, result;
  void *data;
  napi_status status = napi_create_arraybuffer(env, words * sizeof(uint32_t), &data, &buffer);
  if (status == napi_ok) {
    uint32_t *out = data;
    for (u_int i = 0; i < program.bf_len; i++) {
      const struct bpf_insn *insn = &program.bf_insns[i];
      out[i * 4] = insn->code;
      out[i * 4 + 1] = insn->jt;
      out[i * 4 + 2] = insn->jf;
      out[i * 4 + 3] = insn->k;
    }
    status = napi_create_typedarray(env, napi_uint32_array, words, buffer, 0, &result);
  }
  pcap_freecode(&program);
  pcap_close(handle);
  if (status != napi_ok) {
    napi_throw_error(env, NULL, "bpf_compile.compile: cannot create the result array");
    return NULL;
  }
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(env, napi_create_function(env, "compile", NAPI_AUTO_LENGTH, compile, NULL, &fn));
  CHECK(env, napi_set_named_property(env, exports, "compile", fn));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
