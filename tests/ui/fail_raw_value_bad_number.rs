use dynamo::prelude::*;

fn main() {
    let _ = values!(%{":amount" => %{"N" => "12abc"}});
}
