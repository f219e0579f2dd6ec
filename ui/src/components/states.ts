import type { OperationState } from "../bindings/OperationState";

export const STATE_LABELS: Record<OperationState, string> = {
  queued: "waiting",
  sending: "sending",
  done: "done",
  failed: "failed",
  conflict: "conflict",
  unknown: "not confirmed",
  cancelled: "cancelled",
};

export const STATE_COLORS: Record<OperationState, string> = {
  queued: "yellow",
  sending: "blue",
  done: "green",
  failed: "red",
  conflict: "orange",
  unknown: "grape",
  cancelled: "gray",
};
