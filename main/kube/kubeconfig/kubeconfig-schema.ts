import { z } from 'zod';

/**
 * The kubeconfig file format (clientcmd/api/v1) as kubectl decodes it: unknown fields are
 * ignored (so `token-file` is not `tokenFile`), `null` means "not set", and a value of the wrong
 * type is an error (kubectl refuses `name: on`, which YAML 1.1 reads as a boolean).
 */
const str = z.string().nullish();
const bool = z.boolean().nullish();
const strings = z.array(z.string()).nullish();

// []byte fields: standard base64 with padding; Go's decoder skips line breaks.
const base64 = z
  .string()
  .refine((value) => {
    const compact = value.replace(/[\r\n]/g, '');
    return compact.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(compact);
  }, 'is not valid base64')
  .nullish();

const extensions = z.array(z.object({ name: str, extension: z.unknown() })).nullish();

export const clusterSchema = z.object({
  server: str,
  'tls-server-name': str,
  'insecure-skip-tls-verify': bool,
  'certificate-authority': str,
  'certificate-authority-data': base64,
  'proxy-url': str,
  'disable-compression': bool,
  extensions,
});

export const execSchema = z.object({
  command: str,
  args: strings,
  env: z.array(z.object({ name: str, value: str })).nullish(),
  apiVersion: str,
  installHint: str,
  provideClusterInfo: bool,
  interactiveMode: str,
});

export const userSchema = z.object({
  'client-certificate': str,
  'client-certificate-data': base64,
  'client-key': str,
  'client-key-data': base64,
  token: str,
  tokenFile: str,
  as: str,
  'as-uid': str,
  'as-groups': strings,
  'as-user-extra': z.record(z.string(), z.array(z.string()).nullish()).nullish(),
  username: str,
  password: str,
  'auth-provider': z.object({ name: str, config: z.record(z.string(), z.string()).nullish() }).nullish(),
  exec: execSchema.nullish(),
  extensions,
});

export const contextSchema = z.object({
  cluster: str,
  user: str,
  namespace: str,
  extensions,
});

export const kubeconfigSchema = z.object({
  apiVersion: str,
  kind: str,
  'current-context': str,
  clusters: z.array(z.object({ name: str, cluster: clusterSchema.nullish() })).nullish(),
  users: z.array(z.object({ name: str, user: userSchema.nullish() })).nullish(),
  contexts: z.array(z.object({ name: str, context: contextSchema.nullish() })).nullish(),
});

export type KubeconfigDocument = z.infer<typeof kubeconfigSchema>;
