{#- Monthly KPI marts are long: one row per (maand, dimensie, segment). `segmenteer` groups the CTE
    `basis` (one row per fact, with `maand` and every dimension column) once per dimension and once in
    total (dimensie 'totaal', segment 'alle'), with the same aggregate expressions.
    Facts whose dimension value is unknown (NULL) count in the total only. -#}
{% macro segmenteer(basis, dimensies, aggregaten) -%}
    select
        maand,
        cast('totaal' as {{ dbt.type_string() }}) as dimensie,
        cast('alle' as {{ dbt.type_string() }}) as segment,
        {{ aggregaten }}
    from {{ basis }}
    group by maand
    {%- for d in dimensies %}
    union all
    select
        maand,
        cast('{{ d }}' as {{ dbt.type_string() }}) as dimensie,
        cast({{ d }} as {{ dbt.type_string() }}) as segment,
        {{ aggregaten }}
    from {{ basis }}
    where {{ d }} is not null
    group by maand, {{ d }}
    {%- endfor %}
{%- endmacro %}

{% macro eenheid_segment_dimensies() -%}
    {{ return(['wijk', 'complex_id', 'eenheid_detailsoort', 'huurklasse', 'kamers_aantal', 'lift',
               'energielabel', 'etage_klasse', 'bouwjaar_klasse']) }}
{%- endmacro %}

{% macro huurder_segment_dimensies() -%}
    {{ return(['leeftijdsklasse', 'huishoudsamenstelling', 'huurtoeslag', 'betaalwijze', 'inkomensklasse',
               'contractduur_klasse', 'huurklasse', 'wijk']) }}
{%- endmacro %}

{#- A figure is published only when the count behind it reaches the minimum group size; else NULL. -#}
{% macro minimaal(figuur, n) -%}
    case when {{ n }} >= {{ var('minimum_group_size') }} then {{ figuur }} end
{%- endmacro %}

{#- The position of a value in the order of its ordered dimension (range segments, docs/signals.md):
    `volgorde_rang` (the rang from seed segment_volgorde, joined by the caller), for kamers_aantal the
    number itself. NULL for a value the order does not know. -#}
{% macro segment_rang(dimensie, waarde, volgorde_rang) -%}
    case
        when {{ dimensie }} = 'kamers_aantal' then cast({{ waarde }} as {{ dbt.type_numeric() }})
        else {{ volgorde_rang }}
    end
{%- endmacro %}
