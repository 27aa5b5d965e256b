use dynamo::prelude::*;

fn main() {
    let _ = opts![limit: 10, scan_forward: false];
}
