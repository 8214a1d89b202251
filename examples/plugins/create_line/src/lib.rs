//! create_line(p1, p2, desc) -> String: the proposal's Rust example, the
//! `create_line` function of wasmedge-bindgen's go_BindgenFuncs, written
//! as it is there: a plain function under `#[wasmedge_bindgen]`. Two
//! points arrive as JSON text, the line between them leaves as JSON text:
//!
//!   create_line("{\"x\":2.5,\"y\":7.8}", "{\"x\":2.5,\"y\":5.8}",
//!               "A thin red line")
//!   -> {"points":[{"x":2.5,"y":7.8},{"x":2.5,"y":5.8}],"valid":true,
//!       "length":2.0,"desc":"A thin red line"}
//!
//! The macro generates the export `create_line(params_pointer,
//! params_count) -> i32` (shared/bindgen/ABI.md); the `wasmedge_bindgen`
//! crate brings the `allocate` and `deallocate` exports. As in the
//! original, a point that is not valid JSON panics (`unwrap`), which traps.

#[allow(unused_imports)]
use wasmedge_bindgen::*;
use wasmedge_bindgen_macro::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug)]
struct Point {
    x: f32,
    y: f32,
}

#[derive(Serialize, Deserialize, Debug)]
struct Line {
    points: Vec<Point>,
    valid: bool,
    length: f32,
    desc: String,
}

#[wasmedge_bindgen]
pub fn create_line(p1: String, p2: String, desc: String) -> String {
    let point1: Point = serde_json::from_str(&p1).unwrap();
    let point2: Point = serde_json::from_str(&p2).unwrap();
    let length = ((point1.x - point2.x) * (point1.x - point2.x)
        + (point1.y - point2.y) * (point1.y - point2.y))
        .sqrt();

    let valid = if length == 0.0 { false } else { true };

    let line = Line {
        points: vec![point1, point2],
        valid: valid,
        length: length,
        desc: desc,
    };

    return serde_json::to_string(&line).unwrap();
}
