// WASI conformance guest in Rust: Rust's std goes through WASI for
// arguments, environment, clocks, randomness (HashMap seeds), files and
// directories. `conform_rs TEST [ARG...]` runs one group of checks, prints
// each failure to stderr and exits with the number of failures.
// tests/wasi/test_wasi.c sets up the context and checks the host side.

use std::collections::HashMap;
use std::env;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::process;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ENOTCAPABLE: i32 = 76;
const ENAMETOOLONG: i32 = 37;
const EISDIR: i32 = 31;
const ENOENT: i32 = 44;

struct Checks {
    failures: i32,
}

impl Checks {
    fn check(&mut self, ok: bool, what: &str) {
        if !ok {
            self.failures += 1;
            eprintln!("FAIL {}", what);
        }
    }

    fn errno<T>(&mut self, r: io::Result<T>, want: i32, what: &str) {
        match r {
            Ok(_) => self.check(false, &format!("{}: succeeded", what)),
            Err(e) => self.check(
                e.raw_os_error() == Some(want),
                &format!("{}: {:?} (want errno {})", what, e, want),
            ),
        }
    }
}

fn t_args(c: &mut Checks) {
    let args: Vec<String> = env::args().collect();
    println!("argc={}", args.len());
    for (i, a) in args.iter().enumerate() {
        println!("argv[{}]={}", i, a);
    }
    println!("WX_A={}", env::var("WX_A").unwrap_or_else(|_| "(null)".into()));
    println!("WX_B={}", env::var("WX_B").unwrap_or_else(|_| "(null)".into()));
    println!("nenv={}", env::vars().count());
    c.check(true, "args");
}

fn t_time(c: &mut Checks) {
    let t0 = Instant::now();
    let mut prev = t0;
    for _ in 0..1000 {
        let t = Instant::now();
        c.check(t >= prev, "Instant is monotonic");
        prev = t;
    }
    std::thread::sleep(Duration::from_millis(15));
    c.check(t0.elapsed() >= Duration::from_millis(15), "sleep 15 ms");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    c.check(now.as_secs() > 1_577_836_800, "realtime after 2020");
    // HashMap's RandomState asks random_get for its keys.
    let mut m = HashMap::new();
    m.insert("k", 1);
    c.check(m["k"] == 1, "HashMap");
}

fn t_files(c: &mut Checks) {
    let root = "/sandbox/rs";
    c.check(fs::create_dir_all(format!("{}/x/y", root)).is_ok(), "mkdir -p");
    let f = format!("{}/x/y/file.txt", root);
    c.check(fs::write(&f, b"hello rust\n").is_ok(), "write");
    c.check(
        fs::read_to_string(&f).map(|s| s == "hello rust\n").unwrap_or(false),
        "read back",
    );
    match fs::OpenOptions::new().read(true).write(true).open(&f) {
        Ok(mut h) => {
            c.check(h.seek(SeekFrom::Start(6)).ok() == Some(6), "seek");
            let mut s = String::new();
            c.check(h.read_to_string(&mut s).is_ok() && s == "rust\n", "read");
            c.check(h.seek(SeekFrom::Current(0)).ok() == Some(11), "tell");
            c.check(h.write_all(b"more").is_ok(), "append by position");
            c.check(h.metadata().map(|m| m.len()).ok() == Some(15), "len");
            c.check(h.set_len(5).is_ok(), "set_len");
        }
        Err(e) => c.check(false, &format!("open rw: {:?}", e)),
    }
    let md = fs::metadata(&f);
    c.check(md.as_ref().map(|m| m.is_file() && m.len() == 5).unwrap_or(false),
            "metadata");
    c.check(md.map(|m| m.modified().is_ok()).unwrap_or(false), "mtime");
    for i in 0..40 {
        let p = format!("{}/x/n{:02}", root, i);
        c.check(fs::write(&p, b"n").is_ok(), "write many");
    }
    let mut names: Vec<String> = fs::read_dir(format!("{}/x", root))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    c.check(names.len() == 41, &format!("read_dir: {} entries", names.len()));
    c.check(names.first().map(|s| s == "n00").unwrap_or(false), "first");
    c.check(names.last().map(|s| s == "y").unwrap_or(false), "last");
    let g = format!("{}/x/y/renamed.txt", root);
    c.check(fs::rename(&f, &g).is_ok(), "rename");
    c.errno(fs::metadata(&f), ENOENT, "old name gone");
    c.check(fs::remove_file(&g).is_ok(), "remove_file");
    c.check(fs::remove_dir(format!("{}/x/y", root)).is_ok(), "remove_dir");
    c.check(fs::remove_dir_all(root).is_ok(), "remove_dir_all");
    c.errno(fs::metadata(root), ENOENT, "all gone");
    c.check(fs::write("/sandbox/kept_rs.txt", b"kept by rust\n").is_ok(),
            "kept");
}

fn t_escape(c: &mut Checks, host_outside: &str) {
    c.errno(fs::read("/sandbox/../outside/secret.txt"), ENOTCAPABLE, "..");
    c.errno(fs::read("/sandbox/evil/secret.txt"), ENOTCAPABLE, "link out");
    c.errno(fs::read("/sandbox/evil_abs"), ENOTCAPABLE, "absolute link");
    c.errno(fs::write("/sandbox/evil_new", b"x"), ENOTCAPABLE, "create out");
    c.errno(fs::create_dir("/sandbox/../outside/d"), ENOTCAPABLE, "mkdir out");
    c.errno(fs::remove_file("/sandbox/../outside/secret.txt"), ENOTCAPABLE,
            "unlink out");
    c.errno(fs::read_dir("/sandbox/evil"), ENOTCAPABLE, "read_dir out");
    c.check(fs::read(format!("{}/secret.txt", host_outside)).is_err(),
            "absolute host path");
    // (std refuses a 5000-byte path itself; the C guest sends one raw.)
    let long = "a/".repeat(2500);
    c.check(fs::read(format!("/sandbox/{}", long)).is_err(), "long path");
    let name = "n".repeat(300);
    c.errno(fs::read(format!("/sandbox/{}", name)), ENAMETOOLONG, "long name");
    c.check(fs::create_dir("/sandbox/dir").is_ok(), "mkdir");
    c.errno(fs::OpenOptions::new().write(true).open("/sandbox/dir"), EISDIR,
            "dir as file");
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let mut c = Checks { failures: 0 };
    match args.get(1).map(|s| s.as_str()) {
        Some("args") => t_args(&mut c),
        Some("time") => t_time(&mut c),
        Some("files") => t_files(&mut c),
        Some("escape") => {
            let o = args.get(2).cloned().unwrap_or_default();
            t_escape(&mut c, &o)
        }
        Some("exit") => {
            process::exit(args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0))
        }
        _ => {
            eprintln!("unknown test");
            process::exit(100)
        }
    }
    io::stdout().flush().unwrap();
    process::exit(c.failures.min(99));
}
