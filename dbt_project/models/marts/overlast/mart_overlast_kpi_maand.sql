{#- Monthly overlast KPIs per segment (long: maand x dimensie x segment; dimensies totaal, wijk,
    zaaktype_detailsoort). All zaken count, confidential (GEH) ones included.
    - instroom_per_1000_eenheden: zaken registered in the month per 1,000 units in exploitation (of the
      wijk for dimensie wijk, of the whole portfolio otherwise)
    - open_voorraad: zaken open at the month's measuring date; aandeel_open_langer_dan_90_dagen among them
    - mediaan_doorlooptijd_dagen: zaken closed in the month; aandeel_partner_binnen_30_dagen: of the inflow
    Minimum group size: a figure whose own count is below var('minimum_group_size') is NULL; a row with
    neither inflow nor open stock nor closures of at least the minimum is left out. -#}
{%- set dims = ['wijk', 'zaaktype_detailsoort'] -%}
with

maanden as (
    select * from {{ ref('dim_maand') }}
    where maanden_geleden < {{ var('kpi_maanden') }}
),

zaken as (
    select * from {{ ref('fct_zaak') }}
),

basis_instroom as (
    select {{ maand_start('registratiedatum') }} as maand, wijk, zaaktype_detailsoort, partner_binnen_30_dagen
    from zaken
),

basis_afgesloten as (
    select {{ maand_start('einddatum') }} as maand, wijk, zaaktype_detailsoort, doorlooptijd_dagen
    from zaken
    where is_afgesloten
),

basis_open as (
    select
        m.maand,
        z.wijk,
        z.zaaktype_detailsoort,
        {{ dagen_tussen('z.registratiedatum', 'm.peildatum') }} as leeftijd_dagen
    from maanden as m
    inner join zaken as z
        on z.registratiedatum <= m.peildatum
        and (z.einddatum is null or z.einddatum > m.peildatum)
),

basis_eenheden as (
    select maand, wijk, cast(null as {{ dbt.type_string() }}) as zaaktype_detailsoort
    from {{ ref('int_eenheid_maanden') }}
),

s_instroom as (
    {{ segmenteer('basis_instroom', dims,
        'count(*) as instroom_aantal, '
        ~ 'avg(case when partner_binnen_30_dagen then 1.0 else 0.0 end) as aandeel_partner_binnen_30_dagen') }}
),

s_afgesloten as (
    {{ segmenteer('basis_afgesloten', dims,
        'count(*) as afgesloten_aantal, ' ~ mediaan('doorlooptijd_dagen') ~ ' as mediaan_doorlooptijd_dagen') }}
),

s_open as (
    {{ segmenteer('basis_open', dims,
        'count(*) as open_voorraad, '
        ~ 'avg(case when leeftijd_dagen > 90 then 1.0 else 0.0 end) as aandeel_open_langer_dan_90_dagen') }}
),

s_eenheden as (
    {{ segmenteer('basis_eenheden', ['wijk'], 'count(*) as eenheden_aantal') }}
),

sleutels as (
    select maand, dimensie, segment from s_instroom
    union
    select maand, dimensie, segment from s_afgesloten
    union
    select maand, dimensie, segment from s_open
),

samen as (
    select
        k.maand,
        k.dimensie,
        k.segment,
        coalesce(i.instroom_aantal, 0) as instroom_aantal,
        i.aandeel_partner_binnen_30_dagen,
        coalesce(o.open_voorraad, 0) as open_voorraad,
        o.aandeel_open_langer_dan_90_dagen,
        coalesce(a.afgesloten_aantal, 0) as afgesloten_aantal,
        a.mediaan_doorlooptijd_dagen,
        coalesce(ew.eenheden_aantal, et.eenheden_aantal) as eenheden_aantal
    from sleutels as k
    inner join maanden as m
        on m.maand = k.maand
    left join s_instroom as i
        on i.maand = k.maand and i.dimensie = k.dimensie and i.segment = k.segment
    left join s_open as o
        on o.maand = k.maand and o.dimensie = k.dimensie and o.segment = k.segment
    left join s_afgesloten as a
        on a.maand = k.maand and a.dimensie = k.dimensie and a.segment = k.segment
    left join s_eenheden as ew
        on ew.maand = k.maand and ew.dimensie = 'wijk' and k.dimensie = 'wijk' and ew.segment = k.segment
    left join s_eenheden as et
        on et.maand = k.maand and et.dimensie = 'totaal'
),

final as (
    select
        maand,
        dimensie,
        segment,
        eenheden_aantal,
        instroom_aantal,
        {{ minimaal(
            'cast(1000.0 * instroom_aantal / nullif(eenheden_aantal, 0) as ' ~ type_double() ~ ')', 'instroom_aantal'
        ) }}
            as instroom_per_1000_eenheden,
        {{ minimaal('cast(aandeel_partner_binnen_30_dagen as ' ~ type_double() ~ ')', 'instroom_aantal') }}
            as aandeel_partner_binnen_30_dagen,
        open_voorraad,
        {{ minimaal('cast(aandeel_open_langer_dan_90_dagen as ' ~ type_double() ~ ')', 'open_voorraad') }}
            as aandeel_open_langer_dan_90_dagen,
        afgesloten_aantal,
        {{ minimaal('cast(mediaan_doorlooptijd_dagen as ' ~ type_double() ~ ')', 'afgesloten_aantal') }}
            as mediaan_doorlooptijd_dagen
    from samen
    where instroom_aantal >= {{ var('minimum_group_size') }}
        or open_voorraad >= {{ var('minimum_group_size') }}
        or afgesloten_aantal >= {{ var('minimum_group_size') }}
)

select * from final
