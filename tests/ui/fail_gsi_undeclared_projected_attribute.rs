use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :user_id, partition_key: true;
        field :status;
        field :email;
        global_secondary_index "StatusIndex", partition_key: :status,
            projection: :include, projected_attributes: [:email, :nmae];
    }
}

fn main() {}
