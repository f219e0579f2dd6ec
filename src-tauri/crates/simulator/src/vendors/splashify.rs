use std::sync::Arc;

use axum::Router;

use super::World;
use crate::gate::Gate;
use crate::seed::Scale;
use crate::{Credentials, ManifestAgent};

pub struct Data;

impl Data {
    pub fn generate(_seed: u64, _scale: Scale, _now: i64, _credentials: &Credentials) -> Self {
        Data
    }

    pub fn manifest_agents(&self) -> Vec<ManifestAgent> {
        Vec::new()
    }
}

pub fn router(world: Arc<World>, _gate: Gate) -> Router {
    Router::new().with_state(world)
}
