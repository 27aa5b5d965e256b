use dynamo::prelude::*;

dynamo_item! {
    pub struct User {
        table_name "users";
        field :user_id, partition_key: true;
        field :email;
        field :name;
        global_secondary_index "EmailIndex", partition_key: :email, projected_attributes: [:name];
    }
}

fn main() {}
