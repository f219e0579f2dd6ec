//! `switchboard-simulator`: the five vendor APIs on 127.0.0.1 for people and scripts.
//! Prints the manifest (base URLs, credentials, control URL) as JSON on stdout and,
//! with `--manifest PATH`, to that file; then serves until Ctrl-C.

use std::collections::BTreeMap;
use std::process::ExitCode;

use switchboard_simulator::{Limits, Scale, SimConfig, Simulator};

const USAGE: &str = "\
usage: switchboard-simulator [options]

  --seed N              data seed (default 1); the same seed gives the same data
  --scale demo|large    150 agents and 1,200 targets, or 10,000 and 1,000,000 (default demo)
  --agents N            agents in total across the five vendors (overrides --scale)
  --targets N           targets in total across the four vendors that have them
  --limits MODE         documented (default), off, or faster:F (windows F times shorter)
  --port NAME=PORT      a fixed port for pingup, vambe, helpcrunch, ccai_platform,
                        splashify or control (repeatable; default: any free port)
  --manifest PATH       also write the manifest to PATH
  --log-capacity N      requests kept for inspection (default 10000)
  -h, --help            this text

The simulator listens on 127.0.0.1 only.";

fn parse(args: &[String]) -> Result<(SimConfig, Option<String>), String> {
    let mut config = SimConfig::demo(1);
    let mut manifest = None;
    let mut it = args.iter();
    let value = |it: &mut std::slice::Iter<'_, String>, flag: &str| {
        it.next()
            .cloned()
            .ok_or_else(|| format!("{flag} needs a value"))
    };
    let number = |text: String, flag: &str| {
        text.replace('_', "")
            .parse::<u64>()
            .map_err(|_| format!("{flag}: '{text}' is not a whole number"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seed" => config.seed = number(value(&mut it, arg)?, arg)?,
            "--scale" => {
                config.scale = match value(&mut it, arg)?.as_str() {
                    "demo" => Scale::DEMO,
                    "large" => Scale::LARGE,
                    other => {
                        return Err(format!(
                            "--scale: '{other}' is not demo or large (use --agents/--targets for others)"
                        ));
                    }
                }
            }
            "--agents" => {
                config.scale.agents = u32::try_from(number(value(&mut it, arg)?, arg)?)
                    .map_err(|_| "--agents: too large".to_owned())?
            }
            "--targets" => {
                config.scale.targets = u32::try_from(number(value(&mut it, arg)?, arg)?)
                    .map_err(|_| "--targets: too large".to_owned())?
            }
            "--limits" => {
                let mode = value(&mut it, arg)?;
                config.limits = match mode.as_str() {
                    "documented" => Limits::Documented,
                    "off" => Limits::Off,
                    other => match other
                        .strip_prefix("faster:")
                        .and_then(|f| f.parse::<f64>().ok())
                        .filter(|f| *f > 0.0)
                    {
                        Some(f) => Limits::Faster(f),
                        None => {
                            return Err(format!(
                                "--limits: '{other}' is not documented, off or faster:F with F > 0"
                            ));
                        }
                    },
                }
            }
            "--port" => {
                let spec = value(&mut it, arg)?;
                let (name, port) = spec
                    .split_once('=')
                    .ok_or_else(|| format!("--port: write NAME=PORT, not '{spec}'"))?;
                let known = [
                    "pingup",
                    "vambe",
                    "helpcrunch",
                    "ccai_platform",
                    "splashify",
                    "control",
                ];
                if !known.contains(&name) {
                    return Err(format!(
                        "--port: '{name}' is not one of {}",
                        known.join(", ")
                    ));
                }
                let port = port
                    .parse::<u16>()
                    .map_err(|_| format!("--port: '{port}' is not a port number"))?;
                config.ports.insert(name.to_owned(), port);
            }
            "--manifest" => manifest = Some(value(&mut it, arg)?),
            "--log-capacity" => config.log_capacity = number(value(&mut it, arg)?, arg)? as usize,
            "--host" | "--bind" => {
                return Err(format!(
                    "{arg}: the simulator listens on 127.0.0.1 only and cannot bind elsewhere"
                ));
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    if config.scale.agents < 5 {
        return Err("--agents: at least 5 (one per vendor)".into());
    }
    Ok((config, manifest))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (config, manifest_path) = match parse(&args) {
        Ok(parsed) => parsed,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("switchboard-simulator: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("switchboard-simulator: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let sim = match Simulator::start(config).await {
            Ok(sim) => sim,
            Err(e) => {
                eprintln!("switchboard-simulator: {e}");
                return ExitCode::FAILURE;
            }
        };
        let manifest = match serde_json::to_string_pretty(&sim.manifest()) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("switchboard-simulator: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Some(path) = manifest_path
            && let Err(e) = std::fs::write(&path, &manifest)
        {
            eprintln!("switchboard-simulator: cannot write the manifest to {path}: {e}");
            return ExitCode::FAILURE;
        }
        println!("{manifest}");
        let counts: BTreeMap<&str, usize> = [
            (
                "pingup clients",
                sim.world()
                    .pingup
                    .read()
                    .map(|d| d.clients.len())
                    .unwrap_or(0),
            ),
            (
                "vambe contacts",
                sim.world()
                    .vambe
                    .read()
                    .map(|d| d.contacts.len())
                    .unwrap_or(0),
            ),
            (
                "helpcrunch chats",
                sim.world()
                    .helpcrunch
                    .read()
                    .map(|d| d.chats.len())
                    .unwrap_or(0),
            ),
            (
                "splashify customers",
                sim.world()
                    .splashify
                    .read()
                    .map(|d| d.customers.len())
                    .unwrap_or(0),
            ),
        ]
        .into_iter()
        .collect();
        eprintln!(
            "switchboard-simulator: serving {counts:?}; control API at {}; Ctrl-C stops",
            sim.control_url()
        );
        let _ = tokio::signal::ctrl_c().await;
        ExitCode::SUCCESS
    })
}
