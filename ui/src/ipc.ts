import type { ErrorCode } from "./bindings/ErrorCode";
import type { IpcError } from "./bindings/IpcError";

/** Every command rejects with `{code, message}`; anything else is a bug or a crash. */
export function isIpcError(value: unknown): value is IpcError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

/** The error as an IpcError, wrapping what Tauri itself rejects with (plain strings). */
export function toIpcError(value: unknown): IpcError {
  if (isIpcError(value)) return value;
  const message = typeof value === "string" ? value : value instanceof Error ? value.message : String(value);
  return { code: "internal" satisfies ErrorCode, message, field: null };
}

/** A short heading for each code the UI shows. */
export function errorTitle(code: ErrorCode): string {
  switch (code) {
    case "invalid_input":
      return "Check what you entered";
    case "not_found":
      return "Not found";
    case "keychain_unavailable":
      return "No keychain available";
    case "keychain_locked":
      return "The keychain is locked";
    case "database_too_new":
      return "This data was written by a newer Switchboard";
    case "database":
      return "Database problem";
    case "database_damaged":
      return "The database is damaged";
    case "disk_full":
      return "The disk is full";
    case "startup":
      return "Switchboard could not start";
    case "unauthorized":
      return "The vendor refused the credentials";
    case "rate_limited":
      return "The vendor is limiting requests";
    case "unreachable":
      return "The vendor cannot be reached";
    case "vendor_error":
      return "The vendor answered with an error";
    case "cancelled":
      return "Cancelled";
    case "write_failed":
      return "The file could not be written";
    case "update_failed":
      return "The update did not go through";
    case "internal":
      return "Something went wrong";
  }
}
