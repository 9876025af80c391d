{#- Generic data tests of the project (no dbt hub packages: these replace the dbt_utils ones we need). -#}

{#- Rows whose combination of `columns` is not unique. -#}
{% test unique_combination(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as n
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{#- Rows where the column is negative (business rule: a duration or count is never negative). -#}
{% test niet_negatief(model, column_name) %}
    select *
    from {{ model }}
    where {{ column_name }} < 0
{% endtest %}

{#- Rows where `expression` is false (a row-level business rule). -#}
{% test regel(model, expression) %}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
