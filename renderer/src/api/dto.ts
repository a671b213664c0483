import type { z } from 'zod';
import type { ClusterCniDto } from '../../../main/ipc/contract/cni.js';
import type { ContextSummaryDto, ContextsState } from '../../../main/ipc/contract/contexts.js';
import type { FileRef } from '../../../main/ipc/contract/files.js';
import type { FilterValidation } from '../../../main/ipc/contract/filter.js';
import type { CountersSchema, FlowSchema } from '../../../main/ipc/contract/flows.js';
import type {
  InventoryUpdate,
  NamespaceDto,
  NodeDto,
  PodDto,
  ResourceStatusDto,
} from '../../../main/ipc/contract/inventory.js';
import type { PacketRow, PacketStats, TreeNode } from '../../../main/ipc/contract/packets.js';
import type { UiSettings } from '../../../main/ipc/contract/settings.js';
import type { MenuCommand } from '../../../main/ipc/contract/shell.js';
import type {
  LivePolicy,
  NodeTapStateSchema,
  SelectionSchema,
  TapState,
} from '../../../main/ipc/contract/tap.js';
import type { Answer } from './contract.js';

/** The contract's data shapes under the names the UI uses (types only). */

export type AppInfo = Answer<'app.info'>;
export type ProbeResult = Answer<'cluster.probe'>;
export type PacketDetail = Answer<'packets.detail'>;
export type DisplayFilterCheck = Answer<'packets.checkDisplayFilter'>;
export type Selection = z.output<typeof SelectionSchema>;
export type NodeTapState = z.output<typeof NodeTapStateSchema>;
export type Flow = z.output<typeof FlowSchema>;
export type Counters = z.output<typeof CountersSchema>;

export type {
  ClusterCniDto as ClusterCni,
  ContextSummaryDto as ContextSummary,
  ContextsState,
  FileRef,
  FilterValidation,
  InventoryUpdate,
  LivePolicy,
  MenuCommand,
  NamespaceDto,
  NodeDto,
  PacketRow,
  PacketStats,
  PodDto,
  ResourceStatusDto,
  TapState,
  TreeNode,
  UiSettings,
};
