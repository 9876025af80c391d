{#- What changed since the previous publication: every signal of this periode is `nieuw` (not
    there last periode) or `aanhoudend` (there with the same proces, indicator and segment), and
    every signal of the previous periode that is gone is `opgelost`. "Previous" is the latest
    earlier periode_eind in fct_signalen_historie (normally the previous month). A month without any
    signal makes every signal of the previous month `opgelost`. -#}
with

historie as (
    select * from {{ ref('fct_signalen_historie') }}
),

huidig_periode as (
    select periode_eind from {{ ref('int_signalen_periode') }}
),

laatste_periode as (
    select
        coalesce(
            (select huidig_periode.periode_eind from huidig_periode),
            (select max(historie.periode_eind) from historie)
        ) as huidig
),

perioden as (
    select
        laatste_periode.huidig,
        (
            select max(h.periode_eind) from historie as h
            where h.periode_eind < laatste_periode.huidig
        ) as vorig
    from laatste_periode
),

huidig as (
    select h.*
    from historie as h
    inner join perioden as p on p.huidig = h.periode_eind
),

vorig as (
    select h.*
    from historie as h
    inner join perioden as p on p.vorig = h.periode_eind
),

final as (
    select
        coalesce(h.signaal_sleutel, v.signaal_sleutel) as signaal_sleutel,
        h.signaal_id,
        v.signaal_id as vorig_signaal_id,
        coalesce(h.proces, v.proces) as proces,
        coalesce(h.indicator, v.indicator) as indicator,
        coalesce(h.segment, v.segment) as segment,
        (select perioden.huidig from perioden) as periode_eind,
        (select perioden.vorig from perioden) as vorige_periode_eind,
        case
            when v.signaal_sleutel is null then 'nieuw'
            when h.signaal_sleutel is null then 'opgelost'
            else 'aanhoudend'
        end as status,
        h.ernst,
        v.ernst as vorige_ernst,
        h.verhouding,
        v.verhouding as vorige_verhouding
    from huidig as h
    full outer join vorig as v on v.signaal_sleutel = h.signaal_sleutel
)

select * from final
