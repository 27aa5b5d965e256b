use dynamo::prelude::*;

fn main() {
    let _ = updates! { nickname: {:remove, "old"} };
}
