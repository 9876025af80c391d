{#- Monthly incasso KPIs per tenant segment (long: maand x dimensie x segment), from fct_contract_maand.
    - aandeel_in_achterstand: share of active contracts in arrears at month end
    - instroom_achterstand: contracts newly in arrears / contracts not in arrears the month before
    - achterstand_pct_jaarhuur: arrears of current contracts as % of their annual rent (the sector's
      standard figure: sum of arrears / sum of 12 x monthly rent x 100)
    Minimum group size: a segment-month with fewer contracts than var('minimum_group_size') is left out;
    instroom_achterstand is NULL when fewer contracts than the minimum were out of arrears before. -#}
{%- set dims = huurder_segment_dimensies() -%}
with

basis as (
    select c.*
    from {{ ref('fct_contract_maand') }} as c
    inner join {{ ref('dim_maand') }} as m
        on m.maand = c.maand
    where m.maanden_geleden < {{ var('kpi_maanden') }}
),

segmenten as (
    {{ segmenteer('basis', dims,
        'count(*) as contracten_aantal, '
        ~ 'count(case when in_achterstand then 1 end) as in_achterstand_aantal, '
        ~ 'count(case when nieuw_in_achterstand then 1 end) as nieuw_in_achterstand_aantal, '
        ~ 'count(case when not vorige_maand_in_achterstand then 1 end) as risico_aantal, '
        ~ 'count(case when hersteld then 1 end) as hersteld_aantal, '
        ~ 'sum(achterstand_euro) as achterstand_euro, '
        ~ 'sum(jaarhuur_euro) as jaarhuur_euro, '
        ~ 'count(case when deurwaarder_bereikt then 1 end) as deurwaarder_aantal, '
        ~ 'count(case when regeling_actief then 1 end) as regeling_actief_aantal') }}
),

final as (
    select
        maand,
        dimensie,
        segment,
        contracten_aantal,
        in_achterstand_aantal,
        cast(1.0 * in_achterstand_aantal / contracten_aantal as {{ type_double() }}) as aandeel_in_achterstand,
        nieuw_in_achterstand_aantal,
        risico_aantal,
        {{ minimaal(deel('nieuw_in_achterstand_aantal', 'risico_aantal'), 'risico_aantal') }} as instroom_achterstand,
        hersteld_aantal,
        cast(achterstand_euro as decimal(16, 2)) as achterstand_euro,
        cast(jaarhuur_euro as decimal(16, 2)) as jaarhuur_euro,
        cast(100.0 * {{ deel('achterstand_euro', 'jaarhuur_euro') }} as {{ type_double() }})
            as achterstand_pct_jaarhuur,
        deurwaarder_aantal,
        regeling_actief_aantal
    from segmenten
    where contracten_aantal >= {{ var('minimum_group_size') }}
)

select * from final
