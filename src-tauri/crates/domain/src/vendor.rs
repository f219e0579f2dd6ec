use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ValidationError;

/// The vendor platforms Switchboard connects to. Adding one means adding a variant
/// here and one adapter module; everything else asks the adapter's capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    Pingup,
    Vambe,
    Helpcrunch,
    CcaiPlatform,
    Splashify,
}

impl Vendor {
    pub const ALL: [Vendor; 5] = [
        Vendor::Pingup,
        Vendor::Vambe,
        Vendor::Helpcrunch,
        Vendor::CcaiPlatform,
        Vendor::Splashify,
    ];

    /// The stable name used in the database, on the command line and over IPC.
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Pingup => "pingup",
            Vendor::Vambe => "vambe",
            Vendor::Helpcrunch => "helpcrunch",
            Vendor::CcaiPlatform => "ccai_platform",
            Vendor::Splashify => "splashify",
        }
    }

    /// The name a manager knows the product by.
    pub fn display_name(self) -> &'static str {
        match self {
            Vendor::Pingup => "Pingup",
            Vendor::Vambe => "Vambe",
            Vendor::Helpcrunch => "HelpCrunch",
            Vendor::CcaiPlatform => "CCAI Platform",
            Vendor::Splashify => "Splashify Pro",
        }
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

impl FromStr for Vendor {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Vendor::ALL
            .into_iter()
            .find(|v| {
                v.as_str() == wanted
                    || v.display_name().to_ascii_lowercase().replace(' ', "_") == wanted
            })
            .ok_or_else(|| {
                let known: Vec<_> = Vendor::ALL.iter().map(|v| v.as_str()).collect();
                ValidationError::new(
                    "vendor",
                    format!("unknown vendor '{s}'; use one of {}", known.join(", ")),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendor_parses_from_its_own_name() {
        for v in Vendor::ALL {
            assert_eq!(v.as_str().parse::<Vendor>().expect("parses"), v);
            assert_eq!(v.display_name().parse::<Vendor>().expect("parses"), v);
        }
    }

    #[test]
    fn json_matches_database_name() {
        for v in Vendor::ALL {
            let json = serde_json::to_string(&v).expect("serialises");
            assert_eq!(json, format!("\"{}\"", v.as_str()));
        }
    }

    #[test]
    fn unknown_vendor_lists_the_known_ones() {
        let err = "zendesk".parse::<Vendor>().expect_err("unknown");
        assert_eq!(err.field, "vendor");
        assert!(err.message.contains("ccai_platform"), "{err}");
    }
}
