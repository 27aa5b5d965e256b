use dynamo::prelude::*;

fn main() {
    // The second `:a` would silently replace the first.
    let _ = values! {":a" => 1, ":a" => 2};
}
