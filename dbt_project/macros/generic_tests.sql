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

{#- Rows whose code is not in code list `soort` (seed referentiedata_codes) or not valid on the row's
    date (`datum`: a column, or the extract date when omitted). VERA validity: Begindatum <= date < Einddatum. -#}
{% test geldige_code(model, column_name, soort, datum=none) %}
    {%- set d = ('m.' ~ datum) if datum else extractdatum() -%}
    select m.{{ column_name }}, {{ d }} as datum
    from {{ model }} as m
    where m.{{ column_name }} is not null
        and not exists (
            select 1
            from {{ ref('referentiedata_codes') }} as c
            where c.soort = '{{ soort }}'
                and c.code = m.{{ column_name }}
                and (c.begindatum is null or c.begindatum <= {{ d }})
                and (c.einddatum is null or c.einddatum > {{ d }})
        )
{% endtest %}
