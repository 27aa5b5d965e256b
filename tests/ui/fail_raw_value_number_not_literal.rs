use dynamo::prelude::*;

fn main() {
    let amount = "100";
    let _ = values!(%{":amount" => %{"N" => amount}});
}
