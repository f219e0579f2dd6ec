//! What a vendor's activity log says besides statuses (CCAI Platform): each
//! agent's logins and logouts per day, and how long offered chats and calls
//! waited to be picked up, per agent and per team. Read from the cache only,
//! so it works offline.
//!
//! An offer and its pick-up are paired by the chat's or call's id (a chat
//! offered again waits from its first offer); records without one pair with
//! the next pick-up on the same channel. An offer never picked up in the range
//! counts as offered only.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use switchboard_domain::dashboard::{ActivitySummary, LoginDay, PickupTimes, StatusChartQuery};
use switchboard_domain::{AgentId, TeamId, Timestamp};
use switchboard_store::{agent_activity, status_charts, teams};

use crate::{EngineError, Workspace};

/// What a record is, for these figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind<'a> {
    Login,
    Logout,
    Offered(&'a str),
    PickedUp(&'a str),
    Other,
}

/// `login`, `logout`, `<channel>_notification_offered` (or `<channel>_offered`)
/// and `<channel>_picked_up`, as CCAI Platform names them.
fn kind(activity: &str) -> Kind<'_> {
    match activity {
        "login" => Kind::Login,
        "logout" => Kind::Logout,
        a => {
            if let Some(channel) = a
                .strip_suffix("_notification_offered")
                .or_else(|| a.strip_suffix("_offered"))
            {
                Kind::Offered(channel)
            } else if let Some(channel) = a.strip_suffix("_picked_up") {
                Kind::PickedUp(channel)
            } else {
                Kind::Other
            }
        }
    }
}

/// One agent's (or team's) waits on one channel.
#[derive(Default)]
struct Waits {
    offered: u32,
    waits: Vec<i64>,
}

impl Waits {
    fn add(&mut self, other: &Waits) {
        self.offered += other.offered;
        self.waits.extend_from_slice(&other.waits);
    }

    fn times(mut self, name: String, channel: &str) -> PickupTimes {
        self.waits.sort_unstable();
        let rank = |p: usize| -> Option<i64> {
            // Nearest rank: the smallest wait at least p% of them are within.
            let n = self.waits.len();
            (n > 0).then(|| self.waits[(n * p).div_ceil(100).clamp(1, n) - 1])
        };
        PickupTimes {
            name,
            agent_id: None,
            team_id: None,
            channel: channel.to_owned(),
            offered: self.offered,
            picked_up: self.waits.len() as u32,
            median_ms: rank(50),
            p90_ms: rank(90),
        }
    }
}

/// A hasher for the summariser's integer keys (agents' row ids, a contact's
/// hash): a multiply, where SipHash would cost more than the rest of a record.
#[derive(Default, Clone, Copy)]
struct IntHasher(u64);

impl std::hash::Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

type IntMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IntHasher>>;

/// A contact's id as a number to pair an offer with its pick-up (FNV-1a).
fn contact_key(contact: Option<&str>) -> u64 {
    contact.map_or(0, |c| {
        c.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        }) | 1
    })
}

/// One agent of the scope as the summariser keeps it.
struct Slot<'a> {
    agent: AgentId,
    name: &'a str,
    seen: bool,
    /// The waits on each channel met (an index into the channels).
    waits: Vec<(usize, Waits)>,
}

/// The figures for a scope, taken one record at a time (oldest first): a
/// week of everyone is 200,000 records, none of them copied.
pub struct Summariser<'a> {
    slots: Vec<Slot<'a>>,
    index: IntMap<AgentId, usize>,
    from: i64,
    day_ms: i64,
    days: BTreeMap<(usize, i64), LoginDay>,
    /// The channels met (`chat`, `call`), each once.
    channels: Vec<String>,
    /// Offers still waiting, by agent, channel and contact (one offered
    /// again waits from the first offer)...
    open: IntMap<(usize, usize, u64), i64>,
    /// ...and in order where the log gives no contact.
    unnamed: IntMap<(usize, usize), VecDeque<i64>>,
}

impl<'a> Summariser<'a> {
    /// For `agents` (the scope's, with their names), days of `day_ms` from `from`.
    pub fn new(agents: &'a [(AgentId, String)], from: Timestamp, day_ms: i64) -> Self {
        let slots: Vec<Slot<'a>> = agents
            .iter()
            .map(|(agent, name)| Slot {
                agent: *agent,
                name,
                seen: false,
                waits: Vec::new(),
            })
            .collect();
        Self {
            index: slots
                .iter()
                .enumerate()
                .map(|(i, s)| (s.agent, i))
                .collect(),
            slots,
            from: from.0,
            day_ms,
            days: BTreeMap::new(),
            channels: Vec::new(),
            open: IntMap::default(),
            unnamed: IntMap::default(),
        }
    }

    fn channel(&mut self, name: &str) -> usize {
        match self.channels.iter().position(|c| c == name) {
            Some(i) => i,
            None => {
                self.channels.push(name.to_owned());
                self.channels.len() - 1
            }
        }
    }

    fn waits(&mut self, slot: usize, channel: usize) -> &mut Waits {
        let waits = &mut self.slots[slot].waits;
        let i = match waits.iter().position(|(c, _)| *c == channel) {
            Some(i) => i,
            None => {
                waits.push((channel, Waits::default()));
                waits.len() - 1
            }
        };
        &mut waits[i].1
    }

    /// One record; those of agents outside the scope are passed over.
    pub fn add(&mut self, agent: AgentId, activity: &str, at: Timestamp, contact: Option<&str>) {
        let Some(slot) = self.index.get(&agent).copied() else {
            return;
        };
        self.slots[slot].seen = true;
        match kind(activity) {
            k @ (Kind::Login | Kind::Logout) => {
                let day = self.from + (at.0 - self.from).div_euclid(self.day_ms) * self.day_ms;
                let name = self.slots[slot].name;
                let d = self.days.entry((slot, day)).or_insert_with(|| LoginDay {
                    agent_id: agent,
                    name: name.to_owned(),
                    day: Timestamp(day),
                    logins: 0,
                    logouts: 0,
                    first_login: None,
                    last_logout: None,
                });
                if k == Kind::Login {
                    d.logins += 1;
                    d.first_login = Some(d.first_login.map_or(at, |t| t.min(at)));
                } else {
                    d.logouts += 1;
                    d.last_logout = Some(d.last_logout.map_or(at, |t| t.max(at)));
                }
            }
            Kind::Offered(channel) => {
                let channel = self.channel(channel);
                self.waits(slot, channel).offered += 1;
                match contact_key(contact) {
                    0 => self
                        .unnamed
                        .entry((slot, channel))
                        .or_default()
                        .push_back(at.0),
                    key => {
                        self.open.entry((slot, channel, key)).or_insert(at.0);
                    }
                }
            }
            Kind::PickedUp(channel) => {
                let channel = self.channel(channel);
                let offer = match contact_key(contact) {
                    0 => self
                        .unnamed
                        .get_mut(&(slot, channel))
                        .and_then(VecDeque::pop_front),
                    key => self.open.remove(&(slot, channel, key)),
                };
                if let Some(offered_at) = offer {
                    self.waits(slot, channel)
                        .waits
                        .push((at.0 - offered_at).max(0));
                }
            }
            Kind::Other => {}
        }
    }

    /// The figures, with each team's (`team_members`: its name and members).
    pub fn finish(self, team_members: &[(TeamId, String, AgentId)]) -> ActivitySummary {
        let channels = &self.channels;
        let mut by_team: BTreeMap<(TeamId, usize), (&str, Waits)> = BTreeMap::new();
        for (team, team_name, agent) in team_members {
            let Some(slot) = self.index.get(agent) else {
                continue;
            };
            for (channel, w) in &self.slots[*slot].waits {
                by_team
                    .entry((*team, *channel))
                    .or_insert_with(|| (team_name.as_str(), Waits::default()))
                    .1
                    .add(w);
            }
        }
        let agents_with_log = self.slots.iter().filter(|s| s.seen).count() as u32;
        let mut agent_times: Vec<PickupTimes> = self
            .slots
            .into_iter()
            .flat_map(|slot| {
                let (agent, name) = (slot.agent, slot.name);
                slot.waits.into_iter().map(move |(channel, w)| PickupTimes {
                    agent_id: Some(agent),
                    ..w.times(name.to_owned(), &channels[channel])
                })
            })
            .collect();
        let mut team_times: Vec<PickupTimes> = by_team
            .into_iter()
            .map(|((team, channel), (name, w))| PickupTimes {
                team_id: Some(team),
                ..w.times(name.to_owned(), &channels[channel])
            })
            .collect();
        let busiest = |a: &PickupTimes, b: &PickupTimes| {
            b.offered
                .cmp(&a.offered)
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.channel.cmp(&b.channel))
        };
        agent_times.sort_by(busiest);
        team_times.sort_by(busiest);
        let mut days: Vec<LoginDay> = self.days.into_values().collect();
        days.sort_by(|a, b| a.name.cmp(&b.name).then(a.day.0.cmp(&b.day.0)));
        ActivitySummary {
            agents_with_log,
            days,
            agents: agent_times,
            teams: team_times,
        }
    }
}

impl Workspace {
    /// Logins and logouts per agent per day (`bucket_ms`, a day), and pick-up
    /// times per agent and team, for the scope over the range, from the
    /// vendor's activity log as last read.
    pub async fn activity_summary(
        &self,
        q: StatusChartQuery,
    ) -> Result<ActivitySummary, EngineError> {
        crate::dashboards::check_range(&q)?;
        if q.bucket_ms < 3_600_000 {
            return Err(switchboard_domain::ValidationError::new(
                "bucket_ms",
                "days are at least an hour long; give the day's length in ms",
            )
            .into());
        }
        self.on_store(move |store| {
            Ok(store.read(|db| {
                let agents = status_charts::scope_agents(db, &q.scope)?;
                let wanted: HashSet<AgentId> = agents.iter().map(|(a, _)| *a).collect();
                let members: Vec<_> = teams::memberships(db)?
                    .into_iter()
                    .filter(|(_, _, a)| wanted.contains(a))
                    .collect();
                let mut summary = Summariser::new(&agents, q.from, q.bucket_ms);
                agent_activity::each_in_range(db, q.from, q.to, |agent, activity, at, contact| {
                    summary.add(agent, activity, at, contact)
                })?;
                Ok(summary.finish(&members))
            })?)
        })
        .await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use switchboard_store::agent_activity::Activity;

    fn record(agent: i64, activity: &str, at: i64, contact: Option<&str>) -> Activity {
        Activity {
            agent_id: AgentId(agent),
            vendor_id: format!("{agent}-{at}"),
            activity: activity.into(),
            at: Timestamp(at),
            contact_id: contact.map(str::to_owned),
        }
    }

    #[test]
    fn names_are_read_as_ccai_platform_gives_them() {
        assert_eq!(kind("chat_notification_offered"), Kind::Offered("chat"));
        assert_eq!(kind("call_picked_up"), Kind::PickedUp("call"));
        assert_eq!(kind("email_offered"), Kind::Offered("email"));
        assert_eq!(kind("status_change"), Kind::Other);
        assert_eq!(kind(""), Kind::Other);
    }

    #[test]
    fn offers_pair_with_their_pick_ups_by_contact_and_days_count_logins() {
        const DAY: i64 = 86_400_000;
        let agents = vec![
            (AgentId(1), "Ann".to_owned()),
            (AgentId(2), "Bo".to_owned()),
        ];
        let teams = vec![
            (TeamId(7), "Tier 1".to_owned(), AgentId(1)),
            (TeamId(7), "Tier 1".to_owned(), AgentId(2)),
        ];
        let records = vec![
            record(1, "login", 1_000, None),
            // Two chats at once, picked up in the other order.
            record(1, "chat_notification_offered", 2_000, Some("a")),
            record(1, "chat_notification_offered", 2_500, Some("b")),
            record(1, "chat_picked_up", 3_500, Some("b")),
            record(1, "chat_picked_up", 12_000, Some("a")),
            record(1, "call_notification_offered", 20_000, Some("c")),
            record(1, "logout", 30_000, None),
            record(1, "login", DAY + 5, None),
            // Bo's offer is never picked up; his pick-up of an unknown chat pairs with nothing.
            record(2, "chat_notification_offered", 4_000, Some("d")),
            record(2, "chat_picked_up", 5_000, Some("z")),
            // Not in the scope.
            record(3, "login", 1_000, None),
        ];
        let mut summary = Summariser::new(&agents, Timestamp(0), DAY);
        for r in &records {
            summary.add(r.agent_id, &r.activity, r.at, r.contact_id.as_deref());
        }
        let s = summary.finish(&teams);
        assert_eq!(s.agents_with_log, 2);
        let ann: Vec<_> = s.days.iter().filter(|d| d.name == "Ann").collect();
        assert_eq!(ann.len(), 2);
        assert_eq!((ann[0].logins, ann[0].logouts), (1, 1));
        assert_eq!(ann[0].first_login, Some(Timestamp(1_000)));
        assert_eq!(ann[0].last_logout, Some(Timestamp(30_000)));
        assert_eq!((ann[1].day, ann[1].logins), (Timestamp(DAY), 1));
        let chat = |name: &str| {
            s.agents
                .iter()
                .find(|p| p.name == name && p.channel == "chat")
                .unwrap()
        };
        assert_eq!((chat("Ann").offered, chat("Ann").picked_up), (2, 2));
        assert_eq!(chat("Ann").median_ms, Some(1_000));
        assert_eq!(chat("Ann").p90_ms, Some(10_000));
        assert_eq!((chat("Bo").offered, chat("Bo").picked_up), (1, 0));
        assert_eq!(chat("Bo").median_ms, None);
        let call = s.agents.iter().find(|p| p.channel == "call").unwrap();
        assert_eq!((call.offered, call.picked_up), (1, 0));
        let team_chat = s.teams.iter().find(|p| p.channel == "chat").unwrap();
        assert_eq!(team_chat.team_id, Some(TeamId(7)));
        assert_eq!((team_chat.offered, team_chat.picked_up), (3, 2));
        // Busiest first.
        assert_eq!(s.agents[0].name, "Ann");
    }

    #[test]
    fn offers_without_an_id_pair_in_order_and_one_offered_again_waits_from_the_first() {
        let agents = vec![(AgentId(1), "Ann".to_owned())];
        let records = vec![
            record(1, "call_notification_offered", 1_000, None),
            record(1, "call_notification_offered", 2_000, None),
            record(1, "call_picked_up", 4_000, None),
            record(1, "call_picked_up", 9_000, None),
            record(1, "chat_notification_offered", 10_000, Some("a")),
            record(1, "chat_notification_offered", 15_000, Some("a")),
            record(1, "chat_picked_up", 20_000, Some("a")),
        ];
        let mut summary = Summariser::new(&agents, Timestamp(0), 86_400_000);
        for r in &records {
            summary.add(r.agent_id, &r.activity, r.at, r.contact_id.as_deref());
        }
        let s = summary.finish(&[]);
        let calls = s.agents.iter().find(|p| p.channel == "call").unwrap();
        // 1 s → 4 s and 2 s → 9 s: waits of 3 s and 7 s.
        assert_eq!((calls.offered, calls.picked_up), (2, 2));
        assert_eq!((calls.median_ms, calls.p90_ms), (Some(3_000), Some(7_000)));
        let chats = s.agents.iter().find(|p| p.channel == "chat").unwrap();
        assert_eq!(
            (chats.offered, chats.picked_up, chats.median_ms),
            (2, 1, Some(10_000))
        );
        assert!(s.teams.is_empty());
    }
}
