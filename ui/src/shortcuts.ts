/**
 * Every keyboard shortcut of the window, in one place: the shell registers
 * them, the command palette shows each action's, and the `?` sheet lists them
 * all. Keys are written as Mantine's `useHotkeys` reads them ("mod" is Ctrl,
 * or ⌘ on macOS).
 */
export type Shortcut = { keys: string; label: string; where: string };

export const SHORTCUTS = {
  palette: { keys: "mod+K", label: "Open the command palette", where: "Everywhere" },
  assign: { keys: "mod+shift+A", label: "Assign (search focused)", where: "Everywhere" },
  syncAll: { keys: "mod+shift+S", label: "Sync every connection", where: "Everywhere" },
  sendQueued: { keys: "mod+shift+Enter", label: "Send the changes that wait", where: "Everywhere" },
  help: { keys: "?", label: "Show these shortcuts", where: "Everywhere but text boxes" },
  submit: { keys: "mod+Enter", label: "Assign, or apply the chosen status", where: "Assign, Status board" },
  search: { keys: "/", label: "Focus the view's search box", where: "People, Targets, Assign, History, Status board" },
  add: { keys: "N", label: "Add a connection, or set up a cover", where: "Connections, Covers" },
  selectAll: { keys: "mod+A", label: "Choose every target listed", where: "Targets" },
  exportView: { keys: "mod+E", label: "Export what the view lists (CSV)", where: "History" },
  closeDialog: { keys: "Escape", label: "Close a dialog, a menu or the palette", where: "Dialogs" },
  move: { keys: "Tab", label: "Move to the next control (Shift+Tab: back)", where: "Everywhere" },
  choose: { keys: "ArrowDown", label: "Move through the palette's or a list's options (Enter chooses)", where: "Palette, lists" },
} satisfies Record<string, Shortcut>;

/** The views' own shortcuts: Alt+1 to Alt+9 open the first nine areas. */
export function areaKeys(index: number): string | null {
  return index < 9 ? `alt+${index + 1}` : null;
}

const IS_MAC = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

/** How a shortcut's keys are written for people: "Ctrl + Shift + A" (⌘ on macOS). */
export function keyLabels(keys: string): string[] {
  // A bare "+" or "?" key stays itself.
  const parts = keys === "+" ? ["+"] : keys.split("+").filter((p) => p !== "");
  return parts.map((p) => {
    switch (p.toLowerCase()) {
      case "mod":
        return IS_MAC ? "⌘" : "Ctrl";
      case "alt":
        return IS_MAC ? "⌥" : "Alt";
      case "shift":
        return "Shift";
      case "arrowdown":
        return "↓";
      case "escape":
        return "Esc";
      default:
        return p.length === 1 ? p.toUpperCase() : p;
    }
  });
}
