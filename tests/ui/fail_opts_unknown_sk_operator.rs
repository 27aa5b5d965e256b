use dynamo::prelude::*;

fn main() {
    let _ = opts![sk_operator: :starts_with];
}
