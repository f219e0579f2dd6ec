use std::sync::Weak;

use axum::Router;

use crate::Simulator;

pub fn router(_sim: Weak<Simulator>) -> Router {
    Router::new()
}
