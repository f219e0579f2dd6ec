//! Seeded people and names. Every vendor draws its agents from one pool of people,
//! so the same human appears on several vendors with the same email (some with
//! different capitalisation), and some appear on one vendor only.

use crate::rng::Rng;

const FIRST: &[&str] = &[
    "Ana",
    "Bruno",
    "Carla",
    "Diego",
    "Elena",
    "Felipe",
    "Gabriela",
    "Hugo",
    "Isabel",
    "Javier",
    "Karina",
    "Lucas",
    "Mariana",
    "Nicolas",
    "Olivia",
    "Pablo",
    "Quentin",
    "Rosa",
    "Santiago",
    "Tamara",
    "Ulises",
    "Valeria",
    "William",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aarav",
    "Priya",
    "Rahul",
    "Ananya",
    "Vikram",
    "Meera",
    "Arjun",
    "Kavya",
    "Rohan",
    "Sneha",
    "Giulia",
    "Marco",
    "Francesca",
    "Luca",
    "Sofia",
    "Matteo",
    "Chiara",
    "Alessandro",
    "Emma",
    "Noah",
    "Liam",
    "Ava",
    "Mia",
    "Ethan",
    "Grace",
    "Daniel",
    "Chloe",
    "Samuel",
    "Amara",
    "Kwame",
    "Fatima",
    "Omar",
    "Leila",
    "Hana",
];

const LAST: &[&str] = &[
    "Lima",
    "Souza",
    "Rojas",
    "Fernandez",
    "Garcia",
    "Martinez",
    "Lopez",
    "Gonzalez",
    "Perez",
    "Sanchez",
    "Ramirez",
    "Torres",
    "Flores",
    "Rivera",
    "Gomez",
    "Diaz",
    "Morales",
    "Ortiz",
    "Castro",
    "Vargas",
    "Sharma",
    "Patel",
    "Gupta",
    "Iyer",
    "Reddy",
    "Nair",
    "Mehta",
    "Kapoor",
    "Joshi",
    "Rao",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Davies",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Okafor",
    "Mensah",
    "Haddad",
    "Nasser",
    "Tanaka",
    "Sato",
    "Kim",
    "Park",
    "Nguyen",
    "Tran",
];

/// The company the simulated tenants belong to.
pub const DOMAIN: &str = "acme-support.example";

/// One human in the pool, identified by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person(pub u32);

const COMBOS: u32 = (FIRST.len() * LAST.len()) as u32;

impl Person {
    /// A scrambled but fixed (first, last) pair: neighbours do not share names.
    fn names(self) -> (&'static str, &'static str, u32) {
        let scrambled = (u64::from(self.0 % COMBOS) * 2_654_435_761 % u64::from(COMBOS)) as usize;
        (
            FIRST[scrambled % FIRST.len()],
            LAST[scrambled / FIRST.len()],
            self.0 / COMBOS,
        )
    }

    pub fn first_name(self) -> &'static str {
        self.names().0
    }

    pub fn last_name(self) -> &'static str {
        self.names().1
    }

    pub fn full_name(self) -> String {
        let (f, l, _) = self.names();
        format!("{f} {l}")
    }

    /// `ana.lima@acme-support.example`, with a number once the name pairs run out.
    pub fn email(self) -> String {
        let (f, l, n) = self.names();
        let suffix = if n == 0 { String::new() } else { n.to_string() };
        format!(
            "{}.{}{}@{DOMAIN}",
            f.to_lowercase(),
            l.to_lowercase(),
            suffix
        )
    }

    pub fn phone(self) -> String {
        format!("+1 415 555 {:04}", self.0 % 10_000)
    }
}

/// A customer's name, drawn from the same pools with another scramble.
pub fn customer_name(index: u32) -> (&'static str, &'static str) {
    let scrambled = (u64::from(index) * 40_503 + 12_345) % u64::from(COMBOS);
    let s = scrambled as usize;
    (FIRST[s % FIRST.len()], LAST[s / FIRST.len()])
}

/// A unique customer phone number, digits only with country code: India, Mexico,
/// Italy, Brazil or the US in turn, subscriber digits spread by a fixed permutation.
pub fn customer_phone(index: u32, salt: u64) -> u64 {
    const PREFIX: [(u64, u64); 5] = [(91, 10), (52, 10), (39, 10), (55, 11), (1, 10)];
    let (cc, digits) = PREFIX[(index % 5) as usize];
    let span = 10u64.pow(digits as u32 - 1) * 9; // leading digit 1..9
    let spread = (u64::from(index / 5) * 1_000_003 + salt) % span;
    let subscriber = 10u64.pow(digits as u32 - 1) + spread;
    cc * 10u64.pow(digits as u32) + subscriber
}

/// How many agents and targets to generate, in total across the vendors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scale {
    pub agents: u32,
    pub targets: u32,
}

impl Scale {
    /// A demo: a few dozen agents per vendor and a few hundred targets per vendor.
    pub const DEMO: Scale = Scale {
        agents: 150,
        targets: 1_200,
    };
    /// The largest scale the product is built for.
    pub const LARGE: Scale = Scale {
        agents: 10_000,
        targets: 1_000_000,
    };

    pub fn agents_per_vendor(self) -> u32 {
        (self.agents / 5).max(4)
    }

    /// Four vendors hold targets (CCAI Platform has none).
    pub fn targets_per_vendor(self) -> u32 {
        self.targets / 4
    }

    /// People in the pool: each vendor uses about 40% of them, so most people are on
    /// two or more vendors and some on one only.
    pub fn people(self) -> u32 {
        (self.agents_per_vendor() * 5 / 2).max(self.agents_per_vendor())
    }
}

/// The people a vendor's agents are, in agent order.
pub fn people_for(seed: u64, vendor: &str, scale: Scale) -> Vec<Person> {
    let mut pool: Vec<u32> = (0..scale.people()).collect();
    Rng::derive(seed, vendor).shuffle(&mut pool);
    pool.truncate(scale.agents_per_vendor() as usize);
    pool.into_iter().map(Person).collect()
}

/// Text that looks like a 24-hex-digit MongoDB object id, fixed for (kind, index).
pub fn object_id(seed: u64, kind: u32, index: u32) -> String {
    format!(
        "{:08x}{:08x}{:08x}",
        0x6650_0000u32.wrapping_add((seed as u32) & 0xffff),
        kind,
        index
    )
}

/// The index an `object_id` was made from, if it is one of ours of this kind.
pub fn object_id_index(seed: u64, kind: u32, id: &str) -> Option<u32> {
    if id.len() != 24
        || !id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return None;
    }
    let index = u32::from_str_radix(&id[16..], 16).ok()?;
    (object_id(seed, kind, index) == id).then_some(index)
}

/// A random-looking UUID (version 4 layout), fixed for (seed, purpose, index).
pub fn uuid(seed: u64, purpose: &str, index: u32) -> u128 {
    let mut rng = Rng::derive(seed ^ u64::from(index).wrapping_mul(0x9e37_79b9), purpose);
    let raw = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
    (raw & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62)
}

pub fn uuid_text(value: u128) -> String {
    let h = format!("{value:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Parses a UUID in its canonical 8-4-4-4-12 form.
pub fn parse_uuid(text: &str) -> Option<u128> {
    let parts: Vec<&str> = text.split('-').collect();
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    if lens != [8, 4, 4, 4, 12]
        || !parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return None;
    }
    u128::from_str_radix(&parts.concat(), 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_emails_are_unique() {
        let emails: std::collections::HashSet<String> =
            (0..10_000).map(|i| Person(i).email()).collect();
        assert_eq!(emails.len(), 10_000);
    }

    #[test]
    fn customer_phones_are_unique_and_8_to_15_digits() {
        let phones: std::collections::HashSet<u64> =
            (0..300_000).map(|i| customer_phone(i, 17)).collect();
        assert_eq!(phones.len(), 300_000);
        assert!(
            phones
                .iter()
                .all(|p| (8..=15).contains(&p.to_string().len()))
        );
    }

    #[test]
    fn vendors_share_some_people_but_not_all() {
        let scale = Scale::DEMO;
        let a: std::collections::HashSet<u32> =
            people_for(1, "pingup", scale).iter().map(|p| p.0).collect();
        let b: std::collections::HashSet<u32> = people_for(1, "helpcrunch", scale)
            .iter()
            .map(|p| p.0)
            .collect();
        let shared = a.intersection(&b).count();
        assert!(
            shared > 0 && shared < a.len(),
            "shared {shared} of {}",
            a.len()
        );
    }

    #[test]
    fn ids_round_trip() {
        let id = object_id(42, 2, 77);
        assert_eq!(id.len(), 24);
        assert_eq!(object_id_index(42, 2, &id), Some(77));
        assert_eq!(object_id_index(42, 1, &id), None);
        let u = uuid(42, "contact", 5);
        assert_eq!(parse_uuid(&uuid_text(u)), Some(u));
        assert_eq!(&uuid_text(u)[14..15], "4");
        assert_eq!(parse_uuid("not-a-uuid"), None);
    }
}
