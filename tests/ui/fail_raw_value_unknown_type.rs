use dynamo::prelude::*;

fn main() {
    let _ = values!(%{":amount" => %{"Q" => "1"}});
}
