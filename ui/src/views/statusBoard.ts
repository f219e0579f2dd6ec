import type { BoardAgent } from "../bindings/BoardAgent";
import type { BoardFilter } from "../bindings/BoardFilter";
import type { StatusBoard } from "../bindings/StatusBoard";
import type { TeamRow } from "../bindings/TeamRow";
import type { Vendor } from "../bindings/Vendor";

/** One person (or an agent linked to nobody) with their agents on every platform. */
export type BoardPerson = {
  key: string;
  name: string;
  email: string | null;
  agents: BoardAgent[];
  /** The agents that have a status (CCAI Platform). */
  statusAgents: BoardAgent[];
  assignments: number;
};

export type BoardRow = { kind: "team"; key: string; team: TeamRow | null; people: number; counts: Record<string, number> } | { kind: "person"; key: string; person: BoardPerson; team: TeamRow | null };


/** People from the board's agents: linked agents together, unlinked ones alone. */
export function people(board: StatusBoard): BoardPerson[] {
  const byKey = new Map<string, BoardPerson>();
  for (const a of board.agents) {
    const key = a.person_id !== null ? `p${a.person_id}` : `a${a.agent_id}`;
    let p = byKey.get(key);
    if (!p) {
      p = { key, name: a.person_name ?? a.name, email: a.email, agents: [], statusAgents: [], assignments: 0 };
      byKey.set(key, p);
    }
    p.agents.push(a);
    if (a.status) p.statusAgents.push(a);
    p.assignments += a.assignments;
    p.email ??= a.email;
  }
  return [...byKey.values()];
}

/** Which status an agent is in, as the filter and the team counts name it. */
export function statusKey(a: BoardAgent): string | null {
  return a.status ? `${a.connection_id}:${a.status.status_vendor_id ?? a.status.name}` : null;
}

/** Rows grouped by team (a person under every team one of their agents is in;
 * people in none under "No team"; only `team` when one is chosen), names in
 * order. Which people are on the board is the engine's filter. */
export function boardRows(board: StatusBoard, team: number | null): BoardRow[] {
  const teamsById = new Map(board.teams.map((t) => [t.id, t]));
  const groups = new Map<number | null, BoardPerson[]>();
  for (const p of people(board)) {
    const teamIds = [...new Set(p.agents.flatMap((a) => a.team_ids))].filter((t) => teamsById.has(t));
    const placed = teamIds.length ? teamIds : [null];
    for (const t of placed) {
      if (team !== null && t !== team) continue;
      groups.set(t, [...(groups.get(t) ?? []), p]);
    }
  }
  // Teams of platforms with statuses first (those are the ones a manager moves),
  // then the others' (departments), then everyone in no team.
  const statusConnections = new Set(board.agents.filter((a) => a.status).map((a) => a.connection_id));
  const rank = (t: number | null) => (t === null ? 2 : statusConnections.has(teamsById.get(t)!.connection_id) ? 0 : 1);
  const order = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || (teamsById.get(a!)?.name ?? "").localeCompare(teamsById.get(b!)?.name ?? ""));
  const rows: BoardRow[] = [];
  for (const t of order) {
    const team = t === null ? null : (teamsById.get(t) ?? null);
    const members = (groups.get(t) ?? []).sort((x, y) => x.name.localeCompare(y.name));
    const counts: Record<string, number> = {};
    for (const p of members) {
      for (const a of p.statusAgents) {
        const k = statusKey(a);
        if (k && (team === null || a.team_ids.includes(team.id))) counts[k] = (counts[k] ?? 0) + 1;
      }
    }
    rows.push({ kind: "team", key: `t${t ?? "none"}`, team, people: members.length, counts });
    for (const p of members) rows.push({ kind: "person", key: `t${t ?? "none"}-${p.key}`, person: p, team });
  }
  return rows;
}

/** "4 min", "2 h 5 min", "3 d" since a moment. */
export function duration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Black or white text, whichever reads on the status colour. */
export function textOn(hex: string | null): string {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex ?? "");
  if (!m) return "var(--mantine-color-text)";
  const n = parseInt(m[1]!, 16);
  // WCAG's relative luminance, and whichever of black and white contrasts more.
  const channel = (c: number) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
  const onWhite = 1.05 / (l + 0.05);
  const onBlack = (l + 0.05) / 0.05;
  return onBlack >= onWhite ? "#000" : "#fff";
}

/** The engine's filter for the board's controls. A status is chosen as
 * `<connection>:<status id>` (see `statusKey`): that status on that connection. */
export function boardFilter(search: string, vendor: Vendor | null, team: string | null, status: string | null): BoardFilter {
  const cut = status?.indexOf(":") ?? -1;
  return {
    search: search.trim() || null,
    vendor,
    connection: status && cut > 0 ? status.slice(0, cut) : null,
    team: team === null ? null : Number(team),
    status: status && cut > 0 ? status.slice(cut + 1) : status,
    with_status: false,
  };
}
