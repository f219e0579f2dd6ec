//! Sending a move (`Change::Move`): the calls a vendor needs to hand a target
//! from one agent to another, worked out from what the target holds now, so
//! a move cut off half-way (a crash, a vendor that stopped answering) goes on
//! from the call where it stopped and never repeats what is already done.
//!
//! - one assignee (HelpCrunch, Splashify Pro): set it to `to`, or release;
//! - several, with replace (Vambe): replace with `to`, then add back each kept
//!   agent; it has no way to take an agent off without another;
//! - several, with an expiry (Pingup): assign `to` with `from`'s expiry and
//!   notes, then end `from` by assigning it with an expiry of now.

use std::collections::BTreeSet;

use switchboard_domain::change::Change;
use switchboard_domain::code::{ErrorCode, ResultCode};
use switchboard_domain::job::{Operation, OperationState};
use switchboard_domain::{Timestamp, Vendor};
use switchboard_vendors::{Adapter, Capabilities, VendorError};

use super::id_set;
use crate::Workspace;
use crate::outcome::{self, Sent};

/// One call of a move.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// Assign these agents (with `replace`, as the only ones).
    Assign {
        agents: Vec<String>,
        until: Option<Timestamp>,
        notes: Option<String>,
        replace: bool,
    },
    /// End one agent's assignment (Pingup: assign it with an expiry of now).
    End { agent: String },
    /// Leave the target with nobody.
    Release,
}

/// The calls still needed to bring a target holding `now` to what `change`
/// wants, on a vendor with `caps`; `Err` with the reason when the vendor has
/// no way to do it. Empty when nothing is left to do.
pub fn calls(
    vendor: Vendor,
    caps: &Capabilities,
    change: &Change,
    now: &BTreeSet<String>,
) -> Result<Vec<Call>, String> {
    let Change::Move {
        from,
        to,
        keep,
        until,
        notes,
    } = change
    else {
        return Err("not a move".into());
    };
    if caps.target_kind.is_none() {
        return Err(format!("{vendor} has nothing to assign agents to"));
    }
    if change.is_held(now, caps.several_assignees) == Some(true) {
        return Ok(Vec::new());
    }
    let assign = |agent: &str, replace: bool| Call::Assign {
        agents: vec![agent.to_owned()],
        until: *until,
        notes: notes.clone(),
        replace,
    };
    if !caps.several_assignees {
        return match to {
            Some(to) => Ok(vec![assign(to, false)]),
            None if caps.release => Ok(vec![Call::Release]),
            None => Err(format!("{vendor} has no way to unassign")),
        };
    }
    if caps.expiry {
        let mut out = Vec::new();
        if let Some(to) = to.as_ref().filter(|t| !now.contains(*t)) {
            out.push(assign(to, false));
        }
        if now.contains(from) {
            out.push(Call::End {
                agent: from.clone(),
            });
        }
        return Ok(out);
    }
    if caps.replace {
        let Some(to) = to else {
            return Err(format!(
                "{vendor} has no way to take an agent off without giving it another"
            ));
        };
        let replaced = now.contains(from) || !now.contains(to);
        let mut out = Vec::new();
        if replaced {
            out.push(Call::Assign {
                agents: vec![to.clone()],
                until: None,
                notes: None,
                replace: true,
            });
        }
        for k in keep.iter().filter(|k| replaced || !now.contains(*k)) {
            out.push(Call::Assign {
                agents: vec![k.clone()],
                until: None,
                notes: None,
                replace: false,
            });
        }
        return Ok(out);
    }
    Err(format!(
        "{vendor} has no way to take one agent off a target that holds several"
    ))
}

fn holding_words(holding: &BTreeSet<String>) -> String {
    if holding.is_empty() {
        "nobody".into()
    } else {
        holding.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

impl Workspace {
    /// Sends what is left of a move and says how it ended. Where the vendor can
    /// say who holds the target, it is read first (to know what is left, and to
    /// stop in conflict if someone else took it) and read back at the end.
    pub(super) async fn send_move(&self, adapter: &Adapter, op: &Operation) -> Sent {
        let vendor = adapter.vendor();
        let caps = adapter.capabilities();
        let target = op.target_vendor_id.clone().unwrap_or_default();
        let Change::Move { from, to, .. } = &op.request else {
            return Sent::with(OperationState::Failed, ErrorCode::Internal, "not a move");
        };
        let now = if caps.read_assignees {
            match read(adapter, &target).await {
                Ok(now) => now,
                Err(sent) => return sent,
            }
        } else {
            op.before.as_ref().map(id_set).unwrap_or_default()
        };
        // Someone else took it: it holds neither agent and is not as wanted.
        // A target holding what the manager last saw (`before`, set to what was
        // found when they chose to apply it anyway) goes ahead.
        let seen = op.before.as_ref().map(id_set);
        if caps.read_assignees
            && !now.contains(from)
            && to.as_ref().is_none_or(|t| !now.contains(t))
            && op.request.is_held(&now, caps.several_assignees) != Some(true)
            && seen.as_ref() != Some(&now)
        {
            return Sent {
                response: Some(serde_json::json!({"current": now})),
                ..Sent::with(
                    OperationState::Conflict,
                    ResultCode::Conflict,
                    format!(
                        "Assignees changed at the vendor since the plan: it now has {}.",
                        holding_words(&now)
                    ),
                )
            };
        }
        let plan = match calls(vendor, &caps, &op.request, &now) {
            Ok(plan) => plan,
            Err(why) => return Sent::with(OperationState::Failed, ErrorCode::InvalidInput, why),
        };
        let mut sent_any = false;
        // Who holds the target, as the last call's answer says (where the
        // vendor answers with it): then no read back is needed.
        let mut answered: Option<BTreeSet<String>> = None;
        for call in plan {
            let answer = match &call {
                Call::Assign {
                    agents,
                    until,
                    notes,
                    replace,
                } => {
                    adapter
                        .assign(&target, agents, *until, notes.as_deref(), *replace)
                        .await
                }
                Call::End { agent } => {
                    adapter
                        .assign(
                            &target,
                            std::slice::from_ref(agent),
                            Some(Timestamp::now()),
                            None,
                            false,
                        )
                        .await
                }
                Call::Release => adapter.release(&target).await,
            };
            match answer {
                Ok(now) => {
                    sent_any = true;
                    answered = now.as_ref().map(outcome::assignee_ids);
                }
                // Sent, but in words we cannot read: the read back decides.
                Err(e) if outcome::unreadable_success(&e).is_some() && caps.read_assignees => {
                    sent_any = true;
                    answered = None;
                }
                Err(e) => return self.stopped(adapter, &target, &e, sent_any).await,
            }
        }
        if !caps.read_assignees {
            return Sent::done(None);
        }
        if let Some(held) = answered
            && op.request.is_held(&held, caps.several_assignees) == Some(true)
        {
            return Sent::done(Some(serde_json::json!({"assignees": held})));
        }
        match read(adapter, &target).await {
            Ok(held) if op.request.is_held(&held, caps.several_assignees) == Some(true) => {
                Sent::done(Some(
                    serde_json::json!({"assignees": held, "read_back": true}),
                ))
            }
            Ok(held) => Sent {
                response: Some(serde_json::json!({"assignees": held, "read_back": true})),
                ..Sent::with(
                    OperationState::Failed,
                    ResultCode::NotApplied,
                    format!(
                        "{vendor} took the calls, but the target now has {}: it does not hold the move",
                        holding_words(&held)
                    ),
                )
            },
            Err(sent) => sent,
        }
    }

    /// A call of a move failed: how the move stands, with what the vendor now
    /// holds when some of its calls had gone.
    async fn stopped(
        &self,
        adapter: &Adapter,
        target: &str,
        e: &VendorError,
        sent_any: bool,
    ) -> Sent {
        let mut sent = outcome::from_error(adapter.vendor(), e);
        if sent_any
            && adapter.capabilities().read_assignees
            && let Ok(held) = read(adapter, target).await
        {
            let words = holding_words(&held);
            sent.message = sent
                .message
                .map(|m| format!("{m} (stopped part-way: the target now has {words})"));
            sent.response = Some(serde_json::json!({"assignees": held, "read_back": true}));
        }
        sent
    }
}

/// Who holds the target now; a failure is the move's answer.
async fn read(adapter: &Adapter, target: &str) -> Result<BTreeSet<String>, Sent> {
    match adapter.target(target).await {
        Ok(Some(t)) => Ok(outcome::assignee_ids(&t)),
        Ok(None) => Err(Sent::with(
            OperationState::Failed,
            ErrorCode::NotFound,
            format!("{} no longer has this {target}", adapter.vendor()),
        )),
        Err(e) => Err(outcome::from_error(adapter.vendor(), &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn mv(to: Option<&str>, keep: &[&str]) -> Change {
        Change::Move {
            from: "a".into(),
            to: to.map(Into::into),
            keep: keep.iter().map(|k| k.to_string()).collect(),
            until: None,
            notes: Some("VIP".into()),
        }
    }

    fn caps(vendor: Vendor) -> Capabilities {
        switchboard_vendors::capabilities(vendor)
    }

    fn assign(agent: &str, replace: bool, notes: Option<&str>) -> Call {
        Call::Assign {
            agents: vec![agent.into()],
            until: None,
            notes: notes.map(Into::into),
            replace,
        }
    }

    #[test]
    fn each_vendor_moves_in_its_own_calls_and_resumes_where_it_stopped() {
        let v = Vendor::Vambe;
        let vambe = |now: &[&str]| calls(v, &caps(v), &mv(Some("b"), &["c"]), &set(now));
        assert_eq!(
            vambe(&["a", "c"]),
            Ok(vec![assign("b", true, None), assign("c", false, None)])
        );
        assert_eq!(vambe(&["b"]), Ok(vec![assign("c", false, None)]), "resumed");
        assert_eq!(vambe(&["b", "c"]), Ok(vec![]), "done");
        assert!(calls(v, &caps(v), &mv(None, &[]), &set(&["a"])).is_err());

        let p = Vendor::Pingup;
        let pingup = |now: &[&str]| calls(p, &caps(p), &mv(Some("b"), &["c"]), &set(now));
        assert_eq!(
            pingup(&["a", "c"]),
            Ok(vec![
                assign("b", false, Some("VIP")),
                Call::End { agent: "a".into() }
            ])
        );
        assert_eq!(
            pingup(&["a", "b", "c"]),
            Ok(vec![Call::End { agent: "a".into() }])
        );
        assert_eq!(
            calls(p, &caps(p), &mv(None, &[]), &set(&["a"])),
            Ok(vec![Call::End { agent: "a".into() }])
        );

        for single in [Vendor::Helpcrunch, Vendor::Splashify] {
            assert_eq!(
                calls(single, &caps(single), &mv(Some("b"), &[]), &set(&["a"])),
                Ok(vec![assign("b", false, Some("VIP"))])
            );
            assert_eq!(
                calls(single, &caps(single), &mv(None, &[]), &set(&["a"])),
                Ok(vec![Call::Release])
            );
            assert_eq!(
                calls(single, &caps(single), &mv(Some("b"), &[]), &set(&["b"])),
                Ok(vec![])
            );
        }
        let c = Vendor::CcaiPlatform;
        assert!(calls(c, &caps(c), &mv(Some("b"), &[]), &set(&["a", "x"])).is_err());
    }
}
