/**
 * A kubeconfig as kubectl holds it after loading (client-go's clientcmdapi.Config): named clusters,
 * users and contexts, each remembering the file that defined it (`origin`, client-go's
 * LocationOfOrigin). Relative paths are already resolved against that file's directory.
 * These objects carry credentials: they stay in the main process and never cross IPC.
 */
export interface ClusterEntry {
  name: string;
  origin: string;
  server: string;
  tlsServerName?: string;
  insecureSkipTlsVerify: boolean;
  certificateAuthority?: string;
  /** base64, as in the file */
  certificateAuthorityData?: string;
  proxyUrl?: string;
  /** `extensions[name=client.authentication.k8s.io/exec].extension`, handed to exec plugins */
  execExtension?: unknown;
}

export interface ExecConfig {
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  apiVersion: string;
  installHint?: string;
  provideClusterInfo: boolean;
  interactiveMode?: string;
}

export interface UserEntry {
  name: string;
  origin: string;
  clientCertificate?: string;
  clientCertificateData?: string;
  clientKey?: string;
  clientKeyData?: string;
  token?: string;
  tokenFile?: string;
  impersonate?: string;
  impersonateUid?: string;
  impersonateGroups: string[];
  impersonateUserExtra: Record<string, string[]>;
  username?: string;
  password?: string;
  authProvider?: { name: string; config: Record<string, string> };
  exec?: ExecConfig;
}

export interface ContextEntry {
  name: string;
  origin: string;
  cluster: string;
  user: string;
  namespace?: string;
}

/** One kubeconfig file as read, before merging. */
export interface KubeconfigFile {
  file: string;
  currentContext?: string;
  clusters: ClusterEntry[];
  users: UserEntry[];
  contexts: ContextEntry[];
}

/** Several files merged by kubectl's rules (see loading-rules.ts). */
export interface MergedKubeconfig {
  /** Files that existed and were read, in precedence order. */
  files: string[];
  currentContext?: string;
  clusters: Map<string, ClusterEntry>;
  users: Map<string, UserEntry>;
  contexts: Map<string, ContextEntry>;
}
