{#- The werklijsten: for every published signal that calls for action (richting slechter, ernst hoog or
    midden) the current objects of its segment that its rule says to look at now, one row per
    signal x object, with the source system's key, why the row is on the list and the suggested action
    from the catalogue (seed werklijst_acties). Rules per indicator: docs/werklijsten.md.
    Matching: a signal's segment (parts joined by ';') is split into parts (dbt.split_part, portable)
    and an object matches when every part matches one of its dimension rows. A part is dim=v (the row's
    value equals v) or, on an ordered dimension, a range (docs/signals.md, "Segment notation for
    ranges"): dim>=v, dim<=v or dim=[a..b]; then the row matches when its rang lies within the bounds.
    The rang is the value's position in seed segment_volgorde (generated from
    woonsignaal.signals.ranges.ORDERED_DIMENSIONS), for kamers_aantal the number itself. A part splits
    on '=' into a head (ending in '>' or '<' for >= and <=) and a value: values never contain '=' or ';'
    (the ingest quarantines them), so bouwjaar_klasse<=<1945 gives head 'bouwjaar_klasse<', value '<1945'. -#}
{%- set max_paren = 4 -%}
with

signalen as (
    select
        s.signaal_id,
        b.signaal_sleutel,
        s.proces,
        s.indicator,
        replace(s.indicator, '_trend', '') as basis_indicator,
        s.segment,
        s.ernst,
        length(s.segment) - length(replace(s.segment, ';', '')) + 1 as paren_aantal
    from {{ ref('signalen') }} as s
    inner join {{ ref('int_signalen_berekend') }} as b on b.signaal_id = s.signaal_id
    where s.richting = 'slechter'
        and s.ernst in ('hoog', 'midden')
),

delen as (
    {%- for i in range(1, max_paren + 1) %}
        select
            signaal_id,
            proces,
            {{ dbt.split_part(dbt.split_part('segment', "';'", i), "'='", 1) }} as kop,
            {{ dbt.split_part(dbt.split_part('segment', "';'", i), "'='", 2) }} as waarde
        from signalen
        where paren_aantal >= {{ i }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

delen_met_soort as (
    select
        signaal_id,
        proces,
        replace(replace(kop, '>', ''), '<', '') as dimensie,
        waarde,
        case
            when {{ dbt.right('kop', '1') }} = '>' then 'vanaf'
            when {{ dbt.right('kop', '1') }} = '<' then 'tot_en_met'
            when {{ dbt.position("'['", 'waarde') }} = 1 and {{ dbt.right('waarde', '1') }} = ']'
                and {{ dbt.position("'..'", 'waarde') }} > 0
                then 'tussen'
            else 'gelijk'
        end as soort
    from delen
),

paren as (
    select
        signaal_id,
        proces,
        dimensie,
        waarde,
        soort,
        case
            when soort = 'vanaf' then waarde
            when soort = 'tussen' then {{ dbt.split_part("replace(replace(waarde, '[', ''), ']', '')", "'..'", 1) }}
        end as ondergrens,
        case
            when soort = 'tot_en_met' then waarde
            when soort = 'tussen' then {{ dbt.split_part("replace(replace(waarde, '[', ''), ']', '')", "'..'", 2) }}
        end as bovengrens
    from delen_met_soort
),

volgorde as (
    select dimensie, waarde, cast(rang as {{ dbt.type_numeric() }}) as rang
    from {{ ref('segment_volgorde') }}
),

bereiken as (
    select
        p.signaal_id,
        p.proces,
        p.dimensie,
        {{ segment_rang('p.dimensie', 'p.ondergrens', 'vo.rang') }} as onder_rang,
        {{ segment_rang('p.dimensie', 'p.bovengrens', 'vb.rang') }} as boven_rang,
        p.ondergrens,
        p.bovengrens
    from paren as p
    left join volgorde as vo on vo.dimensie = p.dimensie and vo.waarde = p.ondergrens
    left join volgorde as vb on vb.dimensie = p.dimensie and vb.waarde = p.bovengrens
    where p.soort <> 'gelijk'
),

dimensies as (
    select
        d.proces,
        d.object_soort,
        d.object_id,
        d.dimensie,
        d.waarde,
        {{ segment_rang('d.dimensie', 'd.waarde', 'v.rang') }} as rang
    from {{ ref('int_werklijst_object_dimensies') }} as d
    left join volgorde as v on v.dimensie = d.dimensie and v.waarde = d.waarde
),

-- per part the objects with a dimension row that matches it: equal, or (a range) its rang within the
-- bounds; a bound the order does not know matches nothing
part_treffers as (
    select p.signaal_id, p.dimensie, d.object_soort, d.object_id
    from paren as p
    inner join dimensies as d
        on d.proces = p.proces and d.dimensie = p.dimensie and d.waarde = p.waarde
    where p.soort = 'gelijk'
    union all
    select b.signaal_id, b.dimensie, d.object_soort, d.object_id
    from bereiken as b
    inner join dimensies as d
        on d.proces = b.proces and d.dimensie = b.dimensie
    where d.rang is not null
        and (b.ondergrens is null or d.rang >= b.onder_rang)
        and (b.bovengrens is null or d.rang <= b.boven_rang)
),

treffers as (
    select
        pt.signaal_id,
        pt.object_soort,
        pt.object_id
    from part_treffers as pt
    inner join signalen as s on s.signaal_id = pt.signaal_id
    group by pt.signaal_id, s.paren_aantal, pt.object_soort, pt.object_id
    having count(distinct pt.dimensie) = s.paren_aantal
),

objecten as (
    select * from {{ ref('int_werklijst_objecten') }}
),

partner_van_signaal as (
    select signaal_id, waarde as partner from paren
    where dimensie = 'partner' and soort = 'gelijk'
),

regels as (
    select
        s.signaal_id,
        s.signaal_sleutel,
        s.proces,
        s.indicator,
        s.segment,
        s.ernst,
        o.object_soort,
        o.object_id,
        o.wijk,
        o.toestand,
        o.dagen,
        o.peildatum,
        o.maanden_achterstand,
        o.achterstand_maanden_12m,
        pv.partner,
        case
            when s.proces = 'verhuur' and s.basis_indicator in ('leegstandsduur', 'huurderving_per_leegstand')
                then case when o.toestand = 'leeg' then 'VH_LEEGSTAND_OPVOLGEN' else 'VH_VOORTIJDIG_PUBLICEREN' end
            when s.proces = 'verhuur' and s.basis_indicator = 'weigeringen_per_toewijzing'
                then 'VH_AANBOD_AFSTEMMEN'
            when s.proces = 'verhuur' and s.basis_indicator = 'reacties_per_publicatie'
                then 'VH_BEREIK_VERGROTEN'
            when s.proces = 'overlast' and s.basis_indicator in ('doorlooptijd', 'aandeel_langlopend')
                and o.dagen >= 30 and not o.heeft_partner
                then 'OL_ESCALEREN'
            when s.proces = 'overlast' and s.basis_indicator = 'doorlooptijd_partner_binnen_30_dagen'
                and o.dagen >= 30
                then 'OL_PARTNER_AANSPREKEN'
            when s.proces = 'overlast' and s.basis_indicator = 'meldingen_per_eenheid'
                then 'OL_WIJKAANPAK'
            when s.proces = 'incasso' and s.basis_indicator in ('instroom_achterstand', 'achterstand_pct_jaarhuur')
                and o.maanden_achterstand < 1
                then case when o.in_achterstand then 'IN_VROEG_CONTACT' else 'IN_PREVENTIEF_BELLEN' end
            when s.proces = 'incasso' and s.basis_indicator = 'escalatie_deurwaarder'
                and o.in_achterstand and not o.deurwaarder_bereikt
                then 'IN_REGELING_VOOR_DEURWAARDER'
        end as actie_code,
        -- order within a list (ascending): see docs/werklijsten.md, "Order"
        case when o.toestand = 'opgezegd' then 1 else 0 end as sorteer_groep,
        case
            when o.object_soort = 'eenheid' and o.toestand = 'opgezegd'
                then -1 * {{ dagen_tussen(extractdatum(), 'coalesce(o.peildatum, ' ~ extractdatum() ~ ')') }}
            when o.object_soort = 'huurovereenkomst'
                then o.maanden_achterstand + o.achterstand_maanden_12m
            else o.dagen
        end as sorteer_waarde
    from signalen as s
    inner join treffers as t on t.signaal_id = s.signaal_id
    inner join objecten as o on o.object_soort = t.object_soort and o.object_id = t.object_id
    left join partner_van_signaal as pv on pv.signaal_id = s.signaal_id
),

acties as (
    select * from {{ ref('werklijst_acties') }}
),

final as (
    select
        cast(r.signaal_id as {{ dbt.type_string() }}) as signaal_id,
        cast(r.signaal_sleutel as {{ dbt.type_string() }}) as signaal_sleutel,
        cast(r.proces as {{ dbt.type_string() }}) as proces,
        cast(r.indicator as {{ dbt.type_string() }}) as indicator,
        cast(r.segment as {{ dbt.type_string() }}) as segment,
        cast(r.ernst as {{ dbt.type_string() }}) as ernst,
        cast(r.object_soort as {{ dbt.type_string() }}) as object_soort,
        cast(r.object_id as {{ dbt.type_string() }}) as object_id,
        cast(r.wijk as {{ dbt.type_string() }}) as wijk,
        cast(case
            when r.object_soort = 'eenheid' and r.toestand = 'leeg'
                then {{ dbt.concat([
                    "'Staat '",
                    "cast(r.dagen as " ~ dbt.type_string() ~ ")",
                    "' dagen leeg na huuropzegging'"
                ]) }}
            when r.object_soort = 'eenheid' and r.peildatum is null
                then 'Huur opgezegd, einddatum nog niet bekend'
            when r.object_soort = 'eenheid'
                then {{ dbt.concat([
                    "'Huur opgezegd, komt leeg per '",
                    "cast(r.peildatum as " ~ dbt.type_string() ~ ")"
                ]) }}
            when r.actie_code = 'OL_ESCALEREN'
                then {{ dbt.concat([
                    "'Zaak '",
                    "cast(r.dagen as " ~ dbt.type_string() ~ ")",
                    "' dagen open, nog geen partner betrokken'"
                ]) }}
            when r.actie_code = 'OL_PARTNER_AANSPREKEN'
                then {{ dbt.concat([
                    "'Zaak '",
                    "cast(r.dagen as " ~ dbt.type_string() ~ ")",
                    "' dagen open, partner '",
                    "r.partner",
                    "' betrokken'"
                ]) }}
            when r.actie_code = 'OL_WIJKAANPAK'
                then {{ dbt.concat([
                    "'Zaak '",
                    "cast(r.dagen as " ~ dbt.type_string() ~ ")",
                    "' dagen open in een segment met veel meldingen'"
                ]) }}
            when r.actie_code = 'IN_PREVENTIEF_BELLEN' and r.achterstand_maanden_12m > 0
                then {{ dbt.concat([
                    "'Nu geen achterstand, wel '",
                    "cast(r.achterstand_maanden_12m as " ~ dbt.type_string() ~ ")",
                    "' van de laatste 12 maanden in achterstand'"
                ]) }}
            when r.actie_code = 'IN_PREVENTIEF_BELLEN'
                then 'Nog geen achterstand, wel in het risicosegment'
            when r.actie_code = 'IN_VROEG_CONTACT'
                then {{ dbt.concat([
                    "'Net in achterstand ('",
                    "replace(cast(round(cast(r.maanden_achterstand as numeric), 1) as "
                        ~ dbt.type_string() ~ "), '.', ',')",
                    "' maand huur)'"
                ]) }}
            when r.actie_code = 'IN_REGELING_VOOR_DEURWAARDER'
                then {{ dbt.concat([
                    "'Achterstand van '",
                    "replace(cast(round(cast(r.maanden_achterstand as numeric), 1) as "
                        ~ dbt.type_string() ~ "), '.', ',')",
                    "' maand huur, nog niet bij de deurwaarder'"
                ]) }}
        end as {{ dbt.type_string() }}) as reden,
        cast(r.actie_code as {{ dbt.type_string() }}) as actie_code,
        cast(a.actie as {{ dbt.type_string() }}) as actie,
        cast(row_number() over (
            partition by r.signaal_id
            order by r.sorteer_groep asc, r.sorteer_waarde desc, r.object_id asc
        ) as integer) as prioriteit,
        cast({{ extractdatum() }} as date) as extractdatum
    from regels as r
    inner join acties as a on a.actie_code = r.actie_code
    where r.actie_code is not null
)

select * from final
