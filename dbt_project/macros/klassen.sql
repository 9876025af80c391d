{#- Class rules of contract section 6. Each rule lives here once; every model uses these macros. -#}

{% macro etage_klasse(etage) -%}
    case
        when {{ etage }} is null then null
        when {{ etage }} <= 0 then '0'
        when {{ etage }} <= 2 then '1-2'
        else '3+'
    end
{%- endmacro %}

{% macro bouwjaar_klasse(bouwjaar) -%}
    case
        when {{ bouwjaar }} is null then null
        when {{ bouwjaar }} < 1945 then '<1945'
        when {{ bouwjaar }} < 1970 then '1945-1969'
        when {{ bouwjaar }} < 1990 then '1970-1989'
        when {{ bouwjaar }} < 2010 then '1990-2009'
        else '2010+'
    end
{%- endmacro %}

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

{#- Age class of a person born on `geboortedatum`, at the moment `peildatum` (the fact's date). -#}
{% macro leeftijdsklasse(geboortedatum, peildatum) -%}
    case
        when {{ geboortedatum }} is null or {{ peildatum }} is null then null
        when {{ hele_jaren(geboortedatum, peildatum) }} < 23 then '<23'
        when {{ hele_jaren(geboortedatum, peildatum) }} < 30 then '23-29'
        when {{ hele_jaren(geboortedatum, peildatum) }} < 45 then '30-44'
        when {{ hele_jaren(geboortedatum, peildatum) }} < 65 then '45-64'
        else '65+'
    end
{%- endmacro %}

{#- The contract's age at `peildatum` in whole years: <1, 1-2, 3-9, 10+. -#}
{% macro contractduur_klasse(begindatum, peildatum) -%}
    case
        when {{ begindatum }} is null or {{ peildatum }} is null then null
        when {{ hele_jaren(begindatum, peildatum) }} < 1 then '<1'
        when {{ hele_jaren(begindatum, peildatum) }} < 3 then '1-2'
        when {{ hele_jaren(begindatum, peildatum) }} < 10 then '3-9'
        else '10+'
    end
{%- endmacro %}

{#- Gross annual household income (euro) in classes. -#}
{% macro inkomensklasse(bruto_jaarinkomen) -%}
    case
        when {{ bruto_jaarinkomen }} is null then null
        when {{ bruto_jaarinkomen }} < 20000 then '<20k'
        when {{ bruto_jaarinkomen }} < 30000 then '20-30k'
        when {{ bruto_jaarinkomen }} < 45000 then '30-45k'
        when {{ bruto_jaarinkomen }} < 60000 then '45-60k'
        else '60k+'
    end
{%- endmacro %}

{#- Boolean as the delivered code J/N (segment values in the marts use the contract's codes). -#}
{% macro jn(expr) -%}
    case when {{ expr }} is null then null when {{ expr }} then 'J' else 'N' end
{%- endmacro %}
