{#- Monthly letting KPIs per segment (long: maand x dimensie x segment; dimensie 'totaal' = whole portfolio).
    Segments are the unit as it was in that month (int_eenheid_maanden). Minimum group size: a segment-month
    with fewer units than var('minimum_group_size') is left out; a figure whose own count (its *_aantal
    column) is below the minimum is NULL.
    - mutatiegraad_pct: contracts ended in the month per 100 units (x 12 for a yearly rate: mutatiegraad_jaar_pct)
    - leegstanden_gestart_aantal: vacancies that started in the month
    - leegstandsduur: vacancies that ended in the month (mediaan, gemiddelde, share > 30 and > 90 days)
    - weigeringen_per_toewijzing: refusals of the publicaties let in the month per letting
    - reacties_per_publicatie: over publicaties closed in the month
    - huurderving_euro: rent lost to vacant days in the month -#}
{%- set dims = eenheid_segment_dimensies() -%}
with

eenheden as (
    select * from {{ ref('int_eenheid_maanden') }}
),

basis_eenheden as (
    select * from eenheden
),

basis_mutaties as (
    select e.*
    from {{ ref('fct_huurovereenkomst') }} as o
    inner join eenheden as e
        on e.eenheid_id = o.eenheid_id and e.maand = {{ maand_start('o.einddatum') }}
    where o.is_beeindigd and not o.is_geannuleerd
),

basis_gestart as (
    select e.*
    from {{ ref('fct_leegstand') }} as l
    inner join eenheden as e
        on e.eenheid_id = l.eenheid_id and e.maand = {{ maand_start('l.begindatum') }}
),

basis_leegstand as (
    select e.*, l.leegstand_dagen
    from {{ ref('fct_leegstand') }} as l
    inner join eenheden as e
        on e.eenheid_id = l.eenheid_id and e.maand = {{ maand_start('l.einddatum') }}
    where l.is_afgesloten
),

basis_derving as (
    select e.*, lm.leegstand_dagen, lm.huurderving_euro
    from {{ ref('int_leegstand_maanden') }} as lm
    inner join eenheden as e
        on e.eenheid_id = lm.eenheid_id and e.maand = lm.maand
),

basis_toewijzingen as (
    select e.*, p.weigeringen_aantal
    from {{ ref('fct_publicatie') }} as p
    inner join eenheden as e
        on e.eenheid_id = p.eenheid_id and e.maand = {{ maand_start('p.toewijzingsdatum') }}
    where p.is_verhuurd
),

basis_publicaties as (
    select e.*, p.reacties_aantal, p.is_herpublicatie
    from {{ ref('fct_publicatie') }} as p
    inner join eenheden as e
        on e.eenheid_id = p.eenheid_id and e.maand = {{ maand_start('p.einddatum') }}
    where p.is_afgesloten
),

s_eenheden as (
    {{ segmenteer('basis_eenheden', dims, 'count(*) as eenheden_aantal') }}
),

s_mutaties as (
    {{ segmenteer('basis_mutaties', dims, 'count(*) as mutaties_aantal') }}
),

s_gestart as (
    {{ segmenteer('basis_gestart', dims, 'count(*) as leegstanden_gestart_aantal') }}
),

s_leegstand as (
    {{ segmenteer('basis_leegstand', dims,
        'count(*) as leegstanden_afgesloten_aantal, '
        ~ mediaan('leegstand_dagen') ~ ' as mediaan_leegstandsduur_dagen, '
        ~ 'avg(leegstand_dagen) as gemiddelde_leegstandsduur_dagen, '
        ~ 'avg(case when leegstand_dagen > 30 then 1.0 else 0.0 end) as aandeel_langer_dan_30_dagen, '
        ~ 'avg(case when leegstand_dagen > 90 then 1.0 else 0.0 end) as aandeel_langer_dan_90_dagen') }}
),

s_derving as (
    {{ segmenteer('basis_derving', dims,
        'count(distinct eenheid_id) as leegstaande_eenheden_aantal, '
        ~ 'cast(sum(leegstand_dagen) as bigint) as leegstand_dagen, '
        ~ 'sum(huurderving_euro) as huurderving_euro') }}
),

s_toewijzingen as (
    {{ segmenteer('basis_toewijzingen', dims,
        'count(*) as toewijzingen_aantal, cast(sum(weigeringen_aantal) as bigint) as weigeringen_aantal') }}
),

s_publicaties as (
    {{ segmenteer('basis_publicaties', dims,
        'count(*) as publicaties_afgesloten_aantal, avg(reacties_aantal) as reacties_per_publicatie, '
        ~ 'count(case when is_herpublicatie then 1 end) as herpublicaties_aantal') }}
),

samen as (
    select
        e.maand,
        e.dimensie,
        e.segment,
        e.eenheden_aantal,
        coalesce(m.mutaties_aantal, 0) as mutaties_aantal,
        coalesce(g.leegstanden_gestart_aantal, 0) as leegstanden_gestart_aantal,
        coalesce(l.leegstanden_afgesloten_aantal, 0) as leegstanden_afgesloten_aantal,
        l.mediaan_leegstandsduur_dagen,
        l.gemiddelde_leegstandsduur_dagen,
        l.aandeel_langer_dan_30_dagen,
        l.aandeel_langer_dan_90_dagen,
        coalesce(d.leegstaande_eenheden_aantal, 0) as leegstaande_eenheden_aantal,
        coalesce(d.leegstand_dagen, 0) as leegstand_dagen,
        coalesce(d.huurderving_euro, 0) as huurderving_euro,
        coalesce(t.toewijzingen_aantal, 0) as toewijzingen_aantal,
        coalesce(t.weigeringen_aantal, 0) as weigeringen_aantal,
        coalesce(p.publicaties_afgesloten_aantal, 0) as publicaties_afgesloten_aantal,
        p.reacties_per_publicatie,
        coalesce(p.herpublicaties_aantal, 0) as herpublicaties_aantal
    from s_eenheden as e
    left join s_mutaties as m
        on m.maand = e.maand and m.dimensie = e.dimensie and m.segment = e.segment
    left join s_gestart as g
        on g.maand = e.maand and g.dimensie = e.dimensie and g.segment = e.segment
    left join s_leegstand as l
        on l.maand = e.maand and l.dimensie = e.dimensie and l.segment = e.segment
    left join s_derving as d
        on d.maand = e.maand and d.dimensie = e.dimensie and d.segment = e.segment
    left join s_toewijzingen as t
        on t.maand = e.maand and t.dimensie = e.dimensie and t.segment = e.segment
    left join s_publicaties as p
        on p.maand = e.maand and p.dimensie = e.dimensie and p.segment = e.segment
),

final as (
    select
        maand,
        dimensie,
        segment,
        eenheden_aantal,
        mutaties_aantal,
        cast(100.0 * mutaties_aantal / eenheden_aantal as {{ type_double() }}) as mutatiegraad_pct,
        cast(1200.0 * mutaties_aantal / eenheden_aantal as {{ type_double() }}) as mutatiegraad_jaar_pct,
        leegstanden_gestart_aantal,
        leegstanden_afgesloten_aantal,
        {{ minimaal('cast(mediaan_leegstandsduur_dagen as ' ~ type_double() ~ ')', 'leegstanden_afgesloten_aantal') }}
            as mediaan_leegstandsduur_dagen,
        {{ minimaal(
            'cast(gemiddelde_leegstandsduur_dagen as ' ~ type_double() ~ ')', 'leegstanden_afgesloten_aantal'
        ) }}
            as gemiddelde_leegstandsduur_dagen,
        {{ minimaal('cast(aandeel_langer_dan_30_dagen as ' ~ type_double() ~ ')', 'leegstanden_afgesloten_aantal') }}
            as aandeel_langer_dan_30_dagen,
        {{ minimaal('cast(aandeel_langer_dan_90_dagen as ' ~ type_double() ~ ')', 'leegstanden_afgesloten_aantal') }}
            as aandeel_langer_dan_90_dagen,
        leegstaande_eenheden_aantal,
        leegstand_dagen,
        cast(huurderving_euro as decimal(14, 2)) as huurderving_euro,
        toewijzingen_aantal,
        weigeringen_aantal,
        {{ minimaal(deel('weigeringen_aantal', 'toewijzingen_aantal'), 'toewijzingen_aantal') }}
            as weigeringen_per_toewijzing,
        publicaties_afgesloten_aantal,
        {{ minimaal('cast(reacties_per_publicatie as ' ~ type_double() ~ ')', 'publicaties_afgesloten_aantal') }}
            as reacties_per_publicatie,
        herpublicaties_aantal
    from samen
    where eenheden_aantal >= {{ var('minimum_group_size') }}
)

select * from final
