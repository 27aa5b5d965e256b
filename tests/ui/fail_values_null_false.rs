use dynamo::prelude::*;

fn main() {
    // DynamoDB's NULL is written `true`; the message said "NULL" was not a
    // typed value it reads, then listed it.
    let _ = values! {":n" => %{"NULL" => false}};
}
