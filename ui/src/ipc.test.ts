import { describe, expect, it } from "vitest";

import { isIpcError, toIpcError } from "./ipc";

describe("IPC errors", () => {
  it("recognises {code, message}", () => {
    expect(isIpcError({ code: "not_found", message: "x" })).toBe(true);
    expect(isIpcError({ code: 1, message: "x" })).toBe(false);
    expect(isIpcError("boom")).toBe(false);
  });

  it("wraps what Tauri rejects with itself", () => {
    expect(toIpcError("command not allowed")).toEqual({ code: "internal", message: "command not allowed", field: null });
    expect(toIpcError(new Error("crash"))).toEqual({ code: "internal", message: "crash", field: null });
  });
});
