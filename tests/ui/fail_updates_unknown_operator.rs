use dynamo::prelude::*;

fn main() {
    let _ = updates! { balance: {:add, 100} };
}
