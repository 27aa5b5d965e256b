use dynamo::prelude::*;

// An option given twice: the last would win silently (the guide's keyword
// lists take the first).
fn main() {
    let _ = opts![limit: 1, scan_index_forward: false, limit: 2];
}
