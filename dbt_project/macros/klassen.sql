{#- Helpers of the class rules of contract section 6. The classes themselves (etage_klasse,
    bouwjaar_klasse, leeftijdsklasse, contractduur_klasse, inkomensklasse) are generated from
    woonsignaal.contract.KLASSENINDELINGEN into klassen_contract.sql. -#}

{#- Whole years from `van` to `tot` (an exact age: birthdays count only once reached). -#}
{% macro hele_jaren(van, tot) -%}
    (extract(year from {{ tot }}) - extract(year from {{ van }})
        - case
            when extract(month from {{ tot }}) < extract(month from {{ van }})
                or (extract(month from {{ tot }}) = extract(month from {{ van }})
                    and extract(day from {{ tot }}) < extract(day from {{ van }}))
            then 1 else 0
        end)
{%- endmacro %}

{#- Boolean as the delivered code J/N (segment values in the marts use the contract's codes). -#}
{% macro jn(expr) -%}
    case when {{ expr }} is null then null when {{ expr }} then 'J' else 'N' end
{%- endmacro %}
