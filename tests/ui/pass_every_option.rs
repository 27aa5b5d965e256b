//! Every line and option of the grammar, in one place.
use dynamo::prelude::*;

dynamo_item! {
    /// A customer.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Customer {
        use Dynamo.Schema,
            key_separator: "#",
            prefix_sort_key: false,
            partition_key_name: "pk",
            sort_key_name: "sk";
        table_name "shop";
        field :customer_id, partition_key: true;
        field :name: String, default: "anonymous";
    }
}

dynamo_item! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Order {
        use Dynamo.Schema, prefix_sort_key: true;
        table_name "shop";
        /// The owning customer.
        field :customer_id;
        field :order_date: String, sort_key;
        field :order_id: String, sort_key: true;
        field :status, default: "PENDING";
        field :total: f64, default: 0.0;
        field :tags: Vec<String>;
        global_secondary_index "StatusIndex", partition_key: :status, sort_key: :order_date,
            projection: :include, projected_attributes: [:total, :tags];
        global_secondary_index "TotalIndex", partition_key: :status, sort_key: :total,
            projection: :keys_only;
        global_secondary_index "ByOrderId", partition_key: :order_id, projection: :all;
        belongs_to :customer, Customer, foreign_key: :customer_id, sk_strategy: :use_defined;
    }
}

dynamo_item! {
    pub struct Line {
        table_name "shop";
        field :customer_id;
        field :line_id, sort_key;
        belongs_to :customer, Customer, sk_strategy: :prefix;
    }
}

dynamo_item! {
    pub(crate) struct Tenant {
        table_name "saas";
        field :tenant_id;
        field :entity_type;
        field :entity_id;
        partition_key [:tenant_id, :entity_type,];
        sort_key [:entity_id];
    }
}

fn main() {
    let o = item!(Order { customer_id: "c1", order_date: "2024-01-15", order_id: "o1" });
    assert_eq!(o.partition_key().unwrap(), "c1");
    assert_eq!(o.sort_key().as_deref(), Some("order_date#2024-01-15#order_id#o1"));
    let _ = item!(Line {});
    let t = item!(Tenant { tenant_id: "tenant123", entity_type: "USER" });
    assert_eq!(t.partition_key().unwrap(), "tenant123#USER");
    let _ = opts![
        sk_operator: :between, sk_end: "2024-12-31", scan_index_forward: false, limit: 10,
        index_name: "StatusIndex", consistent_read: false, filter_expression: "#s = :s",
        projection_expression: "id", expression_attribute_names: {"#s" => "status"},
        expression_attribute_values: {":s" => "PENDING"}, select: :count, page_size: 500,
        segments: 8, batch_size: 50, condition_expression: "attribute_exists(pk)",
    ];
    let _ = updates! {
        name: "x", n: {:increment, 1}, m: {:decrement, 2}, l: {:append, vec![1]},
        p: {:prepend, vec!["a"]}, c: {:if_not_exists, 0}, gone: {:remove},
    };
}
