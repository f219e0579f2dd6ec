import type { ConnectionSummary } from "../bindings/ConnectionSummary";
import type { Vendor } from "../bindings/Vendor";
import type { VendorInfo } from "../bindings/VendorInfo";

const CAPS = {
  target_kind: "chat",
  list_agents: true,
  list_teams: true,
  list_targets: true,
  incremental_targets: true,
  read_assignees: false,
  several_assignees: false,
  assign_many_in_one_call: false,
  replace: false,
  release: true,
  expiry: false,
  notes: false,
  agents_by_email: false,
  read_statuses: false,
  status_changes_since: false,
  activity_log: false,
  set_statuses: false,
  set_team_statuses: false,
    team_online: false,
} as const;

export function summary(name: string, vendor: Vendor, over: Partial<ConnectionSummary> = {}): ConnectionSummary {
  return {
    connection: {
      id: `00000000-0000-7000-8000-${name.length.toString().padStart(12, "0")}`,
      vendor,
      display_name: name,
      base_url: "http://127.0.0.1:4000/v1",
      settings: {},
      is_demo: true,
      created_at: 1,
      updated_at: 1,
    },
    capabilities: { ...CAPS },
    last_sync: null,
    last_check: null,
    unreachable: false,
    agents: 0,
    targets: 0,
    ...over,
  };
}

export const VENDORS: VendorInfo[] = [
  {
    vendor: "vambe",
    name: "Vambe",
    color: "grape",
    capabilities: { ...CAPS },
    fields: [{ key: "secret", label: "API key", required: true, secret: true, placeholder: "", help: "From Vambe's settings." }],
    default_base_url: "https://api.vambe.me",
  },
  {
    vendor: "pingup",
    name: "Pingup",
    color: "pink",
    capabilities: { ...CAPS, list_agents: false },
    fields: [
      { key: "business_name", label: "Business name", required: true, secret: false, placeholder: "acme-demo", help: "" },
      { key: "secret", label: "Secret key", required: true, secret: true, placeholder: "", help: "" },
    ],
    default_base_url: "https://api.pingup.ai",
  },
];

/** Every vendor's name and colour, as the backend's descriptors give them. */
export const ALL_VENDORS: VendorInfo[] = (
  [
    ["pingup", "Pingup", "pink"],
    ["vambe", "Vambe", "grape"],
    ["helpcrunch", "HelpCrunch", "blue"],
    ["ccai_platform", "CCAI Platform", "orange"],
    ["splashify", "Splashify Pro", "green"],
  ] as const
).map(([vendor, name, color]) => ({ vendor, name, color, capabilities: { ...CAPS }, fields: [], default_base_url: "" }));
