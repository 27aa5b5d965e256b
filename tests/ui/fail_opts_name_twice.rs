use dynamo::prelude::*;

fn main() {
    // The second `#n` would silently replace the first.
    let _ = opts![expression_attribute_names: %{"#n" => "name", "#n" => "status"}];
}
