//! A bad shape is a compile error. The constructor's `const` assertions fire when the
//! compiler instantiates it, i.e. in `cargo build` (not `cargo check`), so this test builds
//! small programs against the crate and checks that each bad one fails with the message that
//! names the problem, and that a good one builds.

use std::path::{Path, PathBuf};
use std::process::Command;

const CASES: &[(&str, &str, &str)] = &[
    (
        "good_shape",
        "let m = gln::Gln3::<4, 4, 8, 4, 2, 4, 3>::new(1, gln::Config::DEFAULT); assert_eq!(m.steps(), 0);",
        "",
    ),
    (
        "contexts_not_two_to_the_k",
        "let _ = gln::Gln2::<4, 4, 4, 2, 3>::new(1, gln::Config::DEFAULT);",
        "C (contexts per neuron) must be 2^K",
    ),
    (
        "contexts_not_a_power_of_two",
        "let _ = gln::Gln1::<4, 4, 3, 6>::new(1, gln::Config::DEFAULT);",
        "C (contexts per neuron) must be 2^K",
    ),
    (
        "zero_hidden_width",
        "let _ = gln::Gln3::<4, 4, 8, 0, 2, 4>::new(1, gln::Config::DEFAULT);",
        "H2 (a hidden width) must be at least 1",
    ),
    (
        "zero_side_information",
        "let _ = gln::Gln1::<0, 4, 2, 4>::new(1, gln::Config::DEFAULT);",
        "D (side-information size) must be at least 1",
    ),
    (
        "zero_base_inputs",
        "let _ = gln::Gln2::<4, 0, 4, 2, 4>::new(1, gln::Config::DEFAULT);",
        "B (base-input size) must be at least 1",
    ),
    (
        "zero_heads",
        "let _ = gln::Gln4::<4, 4, 4, 4, 4, 2, 4, 0>::new(1, gln::Config::DEFAULT);",
        "N (number of heads/classes) must be at least 1",
    ),
    (
        "too_many_halfspaces",
        "let _ = gln::Gln1::<4, 4, 17, 131072>::new(1, gln::Config::DEFAULT);",
        "K (halfspaces per neuron) must be at most 16",
    ),
    (
        "invalid_config_in_a_static",
        "static M: gln::Gln1<4, 4, 2, 4> = gln::Gln1::new(1, gln::Config::DEFAULT.with_eps(0.0)); let _ = M.steps();",
        "eps must be in (0, 0.5)",
    ),
];

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn bad_shapes_do_not_compile_and_say_why() {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("shape_errors");
    let gln = env!("CARGO_MANIFEST_DIR").replace('\\', "/");
    write(
        &root.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"shape_errors\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\ngln = {{ path = \"{gln}\", default-features = false }}\n\n[workspace]\n"
        ),
    );
    for (name, body, _) in CASES {
        write(
            &root.join("src/bin").join(format!("{name}.rs")),
            &format!("fn main() {{ {body} }}\n"),
        );
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut failures = Vec::new();
    for (name, _, expected) in CASES {
        let out = Command::new(&cargo)
            .args(["build", "--quiet", "--offline", "--bin", name])
            .current_dir(&root)
            .env("CARGO_TARGET_DIR", root.join("target"))
            .env_remove("RUSTFLAGS")
            .output()
            .expect("run cargo");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let ok = if expected.is_empty() {
            out.status.success()
        } else {
            !out.status.success() && stderr.contains(expected)
        };
        if !ok {
            failures.push(format!(
                "{name}: success={} stderr:\n{stderr}",
                out.status.success()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n----\n"));
}
